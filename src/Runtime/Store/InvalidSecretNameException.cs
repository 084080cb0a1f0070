using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Store;

/// <summary>A secret name did not match <c>^[A-Z_][A-Z0-9_]{0,254}$</c> after upper-casing.</summary>
public sealed class InvalidSecretNameException : SecretsRuntimeException
{
    /// <summary>Creates the exception with a message naming the offending character and position.</summary>
    public InvalidSecretNameException(string message)
        : base(StoreErrors.NameInvalidCode, ErrorKind.InvalidInput, message)
    {
    }
}
