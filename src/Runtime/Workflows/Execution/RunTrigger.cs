namespace Secrets.Runtime.Workflows.Execution;

/// <summary>What started a run; it decides whose personal secrets apply.</summary>
public enum RunTrigger
{
    /// <summary>A user started the run; their personal secrets apply.</summary>
    Manual,

    /// <summary>An API call; the workflow owner's personal secrets apply.</summary>
    Api,

    /// <summary>A webhook; the workflow owner's personal secrets apply.</summary>
    Webhook,

    /// <summary>A schedule; the workflow owner's personal secrets apply.</summary>
    Schedule,
}
