using System.Globalization;

namespace Secrets.Runtime.Sandbox.Expressions;

/// <summary>
/// The hard limits of one evaluation. Every default is safe for configuration expressions; every value must be
/// positive (0 never means unlimited).
/// </summary>
public sealed record ExpressionLimits
{
    /// <summary>
    /// CPU time of the evaluating thread spent on the expression's own execution (engine set-up, compiling and
    /// converting inputs do not count, nor does time the thread waits for a core). Default 250 ms.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Wall time of the expression's own execution, a backstop for a thread that is starved of CPU. Default 10 s; at least <see cref="Timeout"/>.</summary>
    public TimeSpan WallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Statements executed. Default 100,000.</summary>
    public int MaxStatements { get; init; } = 100_000;

    /// <summary>Bytes allocated by the evaluating thread. Default 16 MB.</summary>
    public long MaxMemoryBytes { get; init; } = 16_000_000;

    /// <summary>Call depth. Default 64.</summary>
    public int MaxRecursion { get; init; } = 64;

    /// <summary>Time a single regular expression match may take. Default 50 ms.</summary>
    public TimeSpan RegexTimeout { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Largest array length. Default 100,000.</summary>
    public uint MaxArraySize { get; init; } = 100_000;

    /// <summary>Deepest JSON accepted by <c>JSON.parse</c>. Default 64.</summary>
    public int MaxJsonDepth { get; init; } = 64;

    /// <summary>Longest source, in characters. Default 16,384.</summary>
    public int MaxSourceLength { get; init; } = 16_384;

    /// <summary>Deepest syntax nesting. Default 64.</summary>
    public int MaxNesting { get; init; } = 64;

    /// <summary>Largest result, as JSON characters. Default 1,000,000.</summary>
    public int MaxResultLength { get; init; } = 1_000_000;

    /// <summary>Throws when a limit is zero, negative or absurd, listing every such limit.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is out of range; the message names every one.</exception>
    public ExpressionLimits Validate()
    {
        var problems = new List<string>();
        Check(problems, Timeout > TimeSpan.Zero && Timeout <= TimeSpan.FromMinutes(1), nameof(Timeout), "between 0 and 1 minute");
        Check(problems, WallTimeout >= Timeout && WallTimeout <= TimeSpan.FromMinutes(5), nameof(WallTimeout), "at least Timeout and at most 5 minutes");
        Check(problems, MaxStatements > 0, nameof(MaxStatements), "positive");
        Check(problems, MaxMemoryBytes > 0, nameof(MaxMemoryBytes), "positive");
        Check(problems, MaxRecursion > 0, nameof(MaxRecursion), "positive");
        Check(problems, RegexTimeout > TimeSpan.Zero, nameof(RegexTimeout), "positive");
        Check(problems, MaxArraySize > 0, nameof(MaxArraySize), "positive");
        Check(problems, MaxJsonDepth > 0, nameof(MaxJsonDepth), "positive");
        Check(problems, MaxSourceLength > 0, nameof(MaxSourceLength), "positive");
        Check(problems, MaxNesting > 0, nameof(MaxNesting), "positive");
        Check(problems, MaxResultLength > 0, nameof(MaxResultLength), "positive");
        return problems.Count == 0 ? this : throw new ArgumentOutOfRangeException(nameof(ExpressionLimits), "ExpressionLimits: " + string.Join("; ", problems));
    }

    private static void Check(List<string> problems, bool ok, string name, string rule)
    {
        if (!ok)
        {
            problems.Add(name + " must be " + rule);
        }
    }
}
