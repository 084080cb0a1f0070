namespace Secrets.Runtime.Sandbox.CSharp;

/// <summary>The error codes of C# code nodes (<c>exec</c> and code nodes of a run), from a script's outcome as data.</summary>
public static class ScriptErrors
{
    /// <summary><c>code.rejected</c>: refused before it ran (a compile error, the API policy, the image check).</summary>
    public const string RejectedCode = "code.rejected";

    /// <summary><c>code.error</c>: the script threw, or its worker failed.</summary>
    public const string FailedCode = "code.error";

    /// <summary>The prefix of the limit codes: <c>code.limit.</c> and the limit's text (<c>code.limit.memory</c>).</summary>
    public const string LimitCodePrefix = "code.limit.";

    /// <summary><c>code.limit.unknown</c>: a limit was reported without saying which (an old or broken worker).</summary>
    public const string LimitUnknownCode = "code.limit.unknown";

    /// <summary>The limits a script run can breach.</summary>
    public static IReadOnlyList<LimitKind> Limits { get; } =
        [LimitKind.Time, LimitKind.Cpu, LimitKind.Memory, LimitKind.Stack, LimitKind.Output, LimitKind.Result, LimitKind.BackgroundWork, LimitKind.HttpCalls];

    /// <summary>The code of a breached limit, such as <c>code.limit.background_work</c>.</summary>
    public static string LimitCode(LimitKind? limit) => limit is { } kind ? LimitCodePrefix + kind.ToText() : LimitUnknownCode;
}
