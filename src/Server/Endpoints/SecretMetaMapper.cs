using System.Globalization;
using Secrets.Runtime.Server.Contracts;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Server.Endpoints;

/// <summary>Store metadata as the API shows it, with its entity tag and the caller's role.</summary>
internal static class SecretMetaMapper
{
    /// <summary>The strong entity tag of a version: it changes with every write, on any host.</summary>
    public static string ETag(SecretMetadata metadata) =>
        string.Create(CultureInfo.InvariantCulture, $"\"{metadata.Version}.{metadata.Change}\"");

    public static SecretMeta ToMeta(SecretMetadata metadata, Principal caller) => new()
    {
        Name = metadata.Name.Value,
        Scope = metadata.Scope.ToText(),
        Owner = metadata.Owner,
        Description = metadata.Description,
        Version = metadata.Version,
        Etag = ETag(metadata),
        CreatedAt = metadata.CreatedAt,
        CreatedBy = metadata.CreatedBy,
        UpdatedAt = metadata.UpdatedAt,
        UpdatedBy = metadata.UpdatedBy,
        LastUsedAt = metadata.LastUsedAt,
        System = metadata.IsSystem,
        Integration = metadata.Integration,
        Members = [],
        MyRole = caller.Has(metadata.Scope, metadata.Owner, SecretRole.Writer) ? "admin" : "member",
        Reference = "{{secrets." + metadata.Name.Value + "}}",
    };
}
