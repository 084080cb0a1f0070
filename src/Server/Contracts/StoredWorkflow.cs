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

    /// <summary>1 when first saved, one more with every save.</summary>
    public required int Version { get; init; }

    /// <summary>The entity tag of this version (also the <c>ETag</c> header); send it in <c>If-Match</c> to save or delete only this version.</summary>
    public required string Etag { get; init; }

    /// <summary>When it was first saved.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it was last saved.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Who saved it last.</summary>
    public required string UpdatedBy { get; init; }

    /// <summary>The workflow document (references only: a workflow never holds a value).</summary>
    public required JsonObject Workflow { get; init; }
}
