using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.References;

/// <summary>The error codes of secret references (resolution and rendering), and the factories of the exceptions that carry them (code and kind paired once, here).</summary>
public static class ReferenceErrors
{
    /// <summary><c>reference.path_missing</c> (NotFound).</summary>
    public const string PathMissingCode = "reference.path_missing";

    /// <summary><c>reference.secret_missing</c> (NotFound).</summary>
    public const string SecretMissingCode = "reference.secret_missing";

    /// <summary><c>reference.unresolved</c> (NotFound).</summary>
    public const string UnresolvedCode = "reference.unresolved";

    /// <summary>An exception with code <c>reference.path_missing</c>.</summary>
    internal static SecretsRuntimeException PathMissing(string message) => new(PathMissingCode, ErrorKind.NotFound, message);

    /// <summary>An exception with code <c>reference.secret_missing</c>.</summary>
    internal static SecretsRuntimeException SecretMissing(string message) => new(SecretMissingCode, ErrorKind.NotFound, message);

    /// <summary>An exception with code <c>reference.unresolved</c>.</summary>
    internal static SecretsRuntimeException Unresolved(string message) => new(UnresolvedCode, ErrorKind.NotFound, message);
}
