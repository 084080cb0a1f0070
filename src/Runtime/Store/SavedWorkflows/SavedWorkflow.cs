using System.Globalization;

namespace Secrets.Runtime.Store.SavedWorkflows;

/// <summary>
/// A workflow saved in a project, as the store holds it: its JSON document (references only, never a value) and who
/// owns it. The first saver is the owner for good; api, webhook and schedule runs of it use the owner's personal secrets.
/// </summary>
public sealed record SavedWorkflow
{
    /// <summary>The project it is saved in.</summary>
    public required string Project { get; init; }

    /// <summary>Its name in the project (its address).</summary>
    public required string Name { get; init; }

    /// <summary>The first saver.</summary>
    public required string Owner { get; init; }

    /// <summary>The workflow document, as JSON text; its <c>owner</c> property is not authoritative, <see cref="Owner"/> is.</summary>
    public required string Document { get; init; }

    /// <summary>1 when first saved, one more with every save.</summary>
    public required int Version { get; init; }

    /// <summary>When it was first saved.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it was last saved.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Who saved it last.</summary>
    public required string UpdatedBy { get; init; }

    /// <summary>The entity tag of this version, as an HTTP <c>ETag</c> (quoted); it changes with every save.</summary>
    public string ETag => string.Create(CultureInfo.InvariantCulture, $"\"w{Version}\"");
}
