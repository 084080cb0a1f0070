using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Cli;

/// <summary>The CLI's exit codes.</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>Anything else: a runtime error, a failed node, an environment problem.</summary>
    public const int Failure = 1;

    /// <summary>Bad input or a refused operation.</summary>
    public const int InvalidInput = 2;

    /// <summary>A script or expression was rejected before running (syntax, forbidden construct, policy).</summary>
    public const int Rejected = 3;

    /// <summary>A script or expression exceeded a limit.</summary>
    public const int LimitExceeded = 4;

    /// <summary>The exit code for an error of the given kind.</summary>
    public static int For(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidInput or ErrorKind.PermissionDenied or ErrorKind.NotFound or ErrorKind.Conflict or ErrorKind.Refused => InvalidInput,
        _ => Failure,
    };
}
