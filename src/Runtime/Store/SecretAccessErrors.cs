using System.Globalization;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store.Access;

namespace Secrets.Runtime.Store;

/// <summary>
/// The refusals of check-and-set writes, versions, pages and per-secret members: one place per error code (named apart
/// from the error-code catalogue of the `front` branch, which these codes join when both are merged).
/// </summary>
internal static class SecretAccessErrors
{
    public static StoreException PreconditionFailed(SecretKey key, string? actual, string expected) =>
        new("store.precondition_failed", ErrorKind.Conflict, actual is null
            ? $"{key} does not exist, but the write expected ETag {expected}; create it without one"
            : $"{key} changed since it was read (ETag is {actual}, the write expected {expected}); read it again and retry");

    public static StoreException AlreadyExists(SecretKey key) =>
        new("store.already_exists", ErrorKind.Conflict, $"{key} already exists and the write asked to create it only (If-None-Match: *)");

    public static StoreException VersionMissing(SecretKey key, int version) =>
        new("store.version_not_found", ErrorKind.NotFound, string.Create(CultureInfo.InvariantCulture, $"{key} has no version {version} (see its versions)"));

    public static StoreException PersonalNotShareable(SecretKey key) =>
        new("store.personal_not_shareable", ErrorKind.Refused, $"{key} is a personal secret: personal secrets belong to their owner alone and cannot be shared");

    public static StoreException ImplicitAdmin(SecretKey key, string userId) =>
        new("store.member_implicit_admin", ErrorKind.Refused, $"user '{userId}' is an admin of {key.Scope.ToText()} '{key.Owner}' and so an admin of {key.Name.Value}; revoke that role to change it");

    public static StoreException LastAdmin(SecretKey key, string userId) =>
        new("store.member_last_admin", ErrorKind.Refused, $"user '{userId}' is the last explicit admin of {key}; make another member admin first");

    public static StoreException MemberMissing(SecretKey key, string userId) =>
        new("store.member_not_found", ErrorKind.NotFound, $"user '{userId}' is not a member of {key}");

    public static StoreException NotSecretAdmin(Principal principal, SecretKey key, string what) =>
        new("store.permission_denied", ErrorKind.PermissionDenied, $"user '{principal.UserId}' may not {what} {key}: that needs the admin role on the secret");

    public static StoreException RoleUnknown() =>
        new("store.member_role_unknown", ErrorKind.InvalidInput, "a member's role is admin or member");

    public static string RoleText(SecretMemberRole role) => role == SecretMemberRole.Admin ? "admin" : "member";
}
