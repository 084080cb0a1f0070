namespace Secrets.Runtime.Redaction;

/// <summary>The broad class of a <see cref="SecretsRuntimeException"/>, which decides how callers react (and the CLI's exit code).</summary>
public enum ErrorKind
{
    /// <summary>The input was malformed: a bad name, file, option or document.</summary>
    InvalidInput,

    /// <summary>The principal lacks a permission the operation needs.</summary>
    PermissionDenied,

    /// <summary>The thing named does not exist.</summary>
    NotFound,

    /// <summary>The operation conflicts with the current state (a concurrent update, a name that already exists).</summary>
    Conflict,

    /// <summary>The operation is valid but refused by a rule (system-managed secret, policy).</summary>
    Refused,

    /// <summary>User code (a script or an expression) was refused before it ran: syntax, a forbidden construct, the API policy.</summary>
    Rejected,

    /// <summary>Stored data failed an integrity check (tampering, wrong key).</summary>
    Integrity,

    /// <summary>A configured limit was exceeded.</summary>
    LimitExceeded,

    /// <summary>Anything else; a defect or an environment problem.</summary>
    Internal,
}
