namespace Secrets.Runtime.Sandbox.Workers.Protocol;

/// <summary>How a run ended, as the worker reports it.</summary>
internal enum RunOutcome
{
    /// <summary>The script returned <see cref="RunAnswer.Value"/>.</summary>
    Ok,

    /// <summary>The script breached <see cref="RunAnswer.Limit"/>.</summary>
    Limited,

    /// <summary>The script threw <see cref="RunAnswer.Error"/>.</summary>
    Error,
}
