namespace Secrets.Runtime.Server.Contracts;

/// <summary>Everything the API shows about a secret. Never its value.</summary>
public sealed record SecretMeta
{
    /// <summary>The name (canonical, upper case).</summary>
    public required string Name { get; init; }

    /// <summary><c>organization</c>, <c>project</c> or <c>personal</c>.</summary>
    public required string Scope { get; init; }

    /// <summary>The organization, project or user it belongs to.</summary>
    public required string Owner { get; init; }

    /// <summary>The description, or null.</summary>
    public string? Description { get; init; }

    /// <summary>The value's version, from 1.</summary>
    public required int Version { get; init; }

    /// <summary>The entity tag that <c>If-Match</c> compares (also sent as the <c>ETag</c> header).</summary>
    public required string Etag { get; init; }

    /// <summary>When it was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Who created it.</summary>
    public required string CreatedBy { get; init; }

    /// <summary>When it last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Who changed it last.</summary>
    public required string UpdatedBy { get; init; }

    /// <summary>When a run last used it, or null.</summary>
    public DateTimeOffset? LastUsedAt { get; init; }

    /// <summary>True for a secret an integration manages (it cannot be changed or deleted here).</summary>
    public required bool System { get; init; }

    /// <summary>The integration of a system-managed secret, or null.</summary>
    public string? Integration { get; init; }

    /// <summary>The explicit members (user and role), in single answers and listings alike; empty for a personal secret. Scope admins are implicit admins and not listed.</summary>
    public IReadOnlyList<SecretMember>? Members { get; init; }

    /// <summary>The caller's role on this secret: <c>admin</c> or <c>member</c>.</summary>
    public required string MyRole { get; init; }

    /// <summary>How a workflow refers to it, for example <c>{{secrets.NAME}}</c>.</summary>
    public required string Reference { get; init; }
}
