namespace Secrets.Runtime.Workflows.Records;

/// <summary>How a run or a node ended.</summary>
public enum RunStatus
{
    /// <summary>Not started (a node after a failed one).</summary>
    Skipped,

    /// <summary>Finished without error.</summary>
    Succeeded,

    /// <summary>Failed; the error says why.</summary>
    Failed,
}
