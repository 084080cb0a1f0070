using System.Text.Json.Nodes;

namespace Secrets.Runtime.Server.Contracts;

/// <summary>A workflow saved in a project, with its owner (the first saver, whose personal secrets api, webhook and schedule runs use).</summary>
public sealed record StoredWorkflow
{
    /// <summary>The workflow's name (its address).</summary>
    public required string Name { get; init; }

    /// <summary>The project.</summary>
    public required string Project { get; init; }

    /// <summary>The first saver.</summary>
    public required string Owner { get; init; }

    /// <summary>When it was first saved.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it was last saved.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Who saved it last.</summary>
    public required string UpdatedBy { get; init; }

    /// <summary>The workflow document (references only: a workflow never holds a value).</summary>
    public required JsonObject Workflow { get; init; }
}
