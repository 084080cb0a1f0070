using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Store;

/// <summary>A store operation failed: bad input, a permission denied, a conflict, an integrity failure or a missing key.</summary>
public sealed class StoreException : SecretsRuntimeException
{
    /// <summary>Creates the exception; the message never holds a value.</summary>
    public StoreException(string code, ErrorKind kind, string message)
        : base(code, kind, message)
    {
    }
}
