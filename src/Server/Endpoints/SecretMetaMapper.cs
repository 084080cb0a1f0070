using Secrets.Runtime.Server.Contracts;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Access;
using SecretMember = Secrets.Runtime.Server.Contracts.SecretMember;

namespace Secrets.Runtime.Server.Endpoints;

/// <summary>Store metadata as the API shows it, with its entity tag and the caller's role.</summary>
internal static class SecretMetaMapper
{
    /// <summary>The strong entity tag of a version: it changes with every write, on any host.</summary>
    public static string ETag(SecretMetadata metadata) => metadata.ETag;

    /// <summary>The API's word for a member role.</summary>
    public static string RoleText(SecretMemberRole role) => role == SecretMemberRole.Admin ? "admin" : "member";

    /// <summary>Whether the caller's role on the secret is admin (the store's <see cref="SecretMetadata.MyRole"/>, else its grants).</summary>
    public static bool IsAdmin(SecretMetadata metadata, Principal caller) =>
        (metadata.MyRole ?? (caller.Has(metadata.Scope, metadata.Owner, SecretRole.Admin) ? SecretMemberRole.Admin : SecretMemberRole.Member)) == SecretMemberRole.Admin;

    /// <summary>
    /// The API's view of <paramref name="metadata"/>; <paramref name="members"/> are the secret's members, of which the
    /// explicit ones are shown (a single secret's answers read them for the secret, a listing for its whole page in
    /// one query).
    /// </summary>
    public static SecretMeta ToMeta(SecretMetadata metadata, Principal caller, IReadOnlyList<Store.Access.SecretMember>? members = null) => new()
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
        Members = members?.Where(m => !m.Implicit).Select(m => new SecretMember(m.UserId, RoleText(m.Role))).ToList(),
        MyRole = RoleText(IsAdmin(metadata, caller) ? SecretMemberRole.Admin : SecretMemberRole.Member),
        Reference = "{{secrets." + metadata.Name.Value + "}}",
    };
}
