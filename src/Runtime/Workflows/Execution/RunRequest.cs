using System.Text.Json.Nodes;

namespace Secrets.Runtime.Workflows.Execution;

/// <summary>How to start a run.</summary>
public sealed record RunRequest
{
    /// <summary>What started the run. Default manual.</summary>
    public RunTrigger Trigger { get; init; } = RunTrigger.Manual;

    /// <summary>The user who started a manual run (their personal secrets apply). Ignored for other triggers, where the workflow owner's apply.</summary>
    public required string User { get; init; }

    /// <summary>
    /// No secret older than this store change number is used (0, the default: whatever the store's freshness bound
    /// gives). Pass the <see cref="Store.SecretMetadata.Change"/> a write returned, on any host, to make the run see it.
    /// </summary>
    public long MinimumChange { get; init; }

    /// <summary>The run input, available as <c>inputs</c>.</summary>
    public JsonNode? Input { get; init; }

    /// <summary>
    /// The run's id, when the caller must know it before the run ends (a server answers 202 with the run's address);
    /// null, the default: a random id. At most 64 letters, digits and dashes.
    /// </summary>
    public string? RunId { get; init; }

    /// <summary>
    /// Whom the run's values are read for: every read is checked against its grants, memberships and token scopes
    /// (<c>runs:execute</c>), and its personal secrets apply. A server sets it from the authenticated token (for an
    /// api/webhook/schedule trigger of a stored workflow, the owner's principal, whose personal secrets apply). Null
    /// (the CLI): <see cref="Store.Principal.LocalAdmin"/> of the run's user, as before.
    /// </summary>
    public Store.Principal? Principal { get; init; }

    /// <summary>The user who really started the run when different from <see cref="User"/>; the audit log records both.</summary>
    public string? ActingUser { get; init; }
}
