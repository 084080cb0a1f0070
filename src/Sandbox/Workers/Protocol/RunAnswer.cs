namespace Secrets.Runtime.Sandbox.Workers.Protocol;

/// <summary>Worker to host: the end of a run. Which fields are set follows from <paramref name="Outcome"/>.</summary>
/// <param name="Outcome">How the run ended.</param>
/// <param name="Value">For <see cref="RunOutcome.Ok"/>: the return value as JSON text.</param>
/// <param name="Limit">For <see cref="RunOutcome.Limited"/>: the limit breached.</param>
/// <param name="Error">For <see cref="RunOutcome.Error"/>: the exception's type and message.</param>
/// <param name="Line">For <see cref="RunOutcome.Error"/>: the script line it was thrown at, when known.</param>
internal sealed record RunAnswer(RunOutcome Outcome, string? Value = null, LimitKind? Limit = null, string? Error = null, int? Line = null) : WorkerMessage
{
    /// <summary>A successful run.</summary>
    public static RunAnswer Ok(string value) => new(RunOutcome.Ok, Value: value);

    /// <summary>A breached limit.</summary>
    public static RunAnswer Limited(LimitKind limit) => new(RunOutcome.Limited, Limit: limit);

    /// <summary>A script that threw.</summary>
    public static RunAnswer Failed(string error, int? line) => new(RunOutcome.Error, Error: error, Line: line);

    /// <inheritdoc />
    public override bool IsWellFormed => Outcome switch
    {
        RunOutcome.Ok => Value is not null && Limit is null && Error is null && Line is null,
        RunOutcome.Limited => Limit is { } limit && Enum.IsDefined(limit) && Value is null && Error is null && Line is null,
        RunOutcome.Error => Error is not null && Value is null && Limit is null && Line is null or > 0,
        _ => false,
    };
}
