using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Cli;

/// <summary>
/// The CLI's exit codes, and the one place they are mapped from: an error's <see cref="ErrorKind"/> (a command that
/// failed) or an outcome's kind (what a script, an expression or a run ended with; null when it succeeded).
/// </summary>
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

    /// <summary>The exit code for a command that failed with an error of the given kind.</summary>
    public static int For(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidInput or ErrorKind.PermissionDenied or ErrorKind.NotFound or ErrorKind.Conflict or ErrorKind.Refused => InvalidInput,
        ErrorKind.Rejected => Rejected,
        ErrorKind.LimitExceeded => LimitExceeded,
        _ => Failure,
    };

    /// <summary>
    /// The exit code for what user code or a run ended with: <see cref="Ok"/> (null), <see cref="LimitExceeded"/>,
    /// <see cref="Rejected"/>, else <see cref="Failure"/>. The larger code is the more severe outcome.
    /// </summary>
    public static int ForOutcome(ErrorKind? kind) => kind switch
    {
        null => Ok,
        ErrorKind.LimitExceeded => LimitExceeded,
        ErrorKind.Rejected => Rejected,
        _ => Failure,
    };

    /// <summary>The status word of an outcome in text and JSON output: <c>ok</c>, <c>limited</c>, <c>rejected</c> or <c>error</c>.</summary>
    public static string StatusOf(ErrorKind? kind) => kind switch
    {
        null => "ok",
        ErrorKind.LimitExceeded => "limited",
        ErrorKind.Rejected => "rejected",
        _ => "error",
    };
}
