using System.Globalization;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store.Access;

namespace Secrets.Runtime.Store;

/// <summary>The error codes of the store (names, values, keys, databases, permissions), and the factories of the exceptions that carry them (code and kind paired once, here).</summary>
public static class StoreErrors
{
    /// <summary><c>store.cursor_invalid</c>.</summary>
    public const string CursorInvalidCode = "store.cursor_invalid";

    /// <summary><c>store.conflict</c> (Conflict).</summary>
    public const string ConflictCode = "store.conflict";

    /// <summary><c>store.database_invalid</c> (InvalidInput).</summary>
    public const string DatabaseInvalidCode = "store.database_invalid";

    /// <summary><c>store.database_missing</c> (NotFound).</summary>
    public const string DatabaseMissingCode = "store.database_missing";

    /// <summary><c>store.database_refused</c> (Refused).</summary>
    public const string DatabaseRefusedCode = "store.database_refused";

    /// <summary><c>store.database_unavailable</c> (Internal).</summary>
    public const string DatabaseUnavailableCode = "store.database_unavailable";

    /// <summary><c>store.description_too_long</c> (InvalidInput).</summary>
    public const string DescriptionTooLongCode = "store.description_too_long";

    /// <summary><c>store.import_invalid</c> (InvalidInput).</summary>
    public const string ImportInvalidCode = "store.import_invalid";

    /// <summary><c>store.integrity</c> (Integrity).</summary>
    public const string IntegrityCode = "store.integrity";

    /// <summary><c>store.key_file_permissions</c> (Refused).</summary>
    public const string KeyFilePermissionsCode = "store.key_file_permissions";

    /// <summary><c>store.key_missing</c> (Integrity).</summary>
    public const string KeyMissingCode = "store.key_missing";

    /// <summary><c>store.key_ring_empty</c> (Integrity).</summary>
    public const string KeyRingEmptyCode = "store.key_ring_empty";

    /// <summary><c>store.key_unwrap_failed</c> (Integrity).</summary>
    public const string KeyUnwrapFailedCode = "store.key_unwrap_failed";

    /// <summary><c>store.master_key_invalid</c> (InvalidInput).</summary>
    public const string MasterKeyInvalidCode = "store.master_key_invalid";

    /// <summary><c>store.master_key_missing</c> (Integrity).</summary>
    public const string MasterKeyMissingCode = "store.master_key_missing";

    /// <summary><c>store.master_key_wrong</c> (Integrity).</summary>
    public const string MasterKeyWrongCode = "store.master_key_wrong";

    /// <summary><c>store.name_invalid</c> (InvalidInput).</summary>
    public const string NameInvalidCode = "store.name_invalid";

    /// <summary><c>store.not_found</c> (NotFound).</summary>
    public const string NotFoundCode = "store.not_found";

    /// <summary><c>store.options_invalid</c> (InvalidInput).</summary>
    public const string OptionsInvalidCode = "store.options_invalid";

    /// <summary><c>store.owner_invalid</c> (InvalidInput).</summary>
    public const string OwnerInvalidCode = "store.owner_invalid";

    /// <summary><c>store.permission_denied</c> (PermissionDenied).</summary>
    public const string PermissionDeniedCode = "store.permission_denied";

    /// <summary><c>store.read_only</c> (Refused).</summary>
    public const string ReadOnlyCode = "store.read_only";

    /// <summary><c>store.schema_newer</c> (Refused).</summary>
    public const string SchemaNewerCode = "store.schema_newer";

    /// <summary><c>store.scope_invalid</c> (InvalidInput).</summary>
    public const string ScopeInvalidCode = "store.scope_invalid";

    /// <summary><c>store.system_managed</c> (Refused).</summary>
    public const string SystemManagedCode = "store.system_managed";

    /// <summary><c>store.value_empty</c> (InvalidInput).</summary>
    public const string ValueEmptyCode = "store.value_empty";

    /// <summary><c>store.value_too_long</c> (InvalidInput).</summary>
    public const string ValueTooLongCode = "store.value_too_long";

    /// <summary><c>store.precondition_failed</c> (Conflict): a check-and-set write whose ETag is stale.</summary>
    public const string PreconditionFailedCode = "store.precondition_failed";

    /// <summary><c>store.already_exists</c> (Conflict): a create-only write of a secret that exists.</summary>
    public const string AlreadyExistsCode = "store.already_exists";

    /// <summary><c>store.version_not_found</c> (NotFound).</summary>
    public const string VersionNotFoundCode = "store.version_not_found";

    /// <summary><c>store.personal_not_shareable</c> (Refused).</summary>
    public const string PersonalNotShareableCode = "store.personal_not_shareable";

    /// <summary><c>store.member_implicit_admin</c> (Refused).</summary>
    public const string MemberImplicitAdminCode = "store.member_implicit_admin";

    /// <summary><c>store.member_last_admin</c> (Refused).</summary>
    public const string MemberLastAdminCode = "store.member_last_admin";

    /// <summary><c>store.member_not_found</c> (NotFound).</summary>
    public const string MemberNotFoundCode = "store.member_not_found";

    /// <summary><c>store.member_role_unknown</c> (InvalidInput).</summary>
    public const string MemberRoleUnknownCode = "store.member_role_unknown";

    /// <summary>An exception with code <c>store.conflict</c>.</summary>
    internal static StoreException Conflict(string message) => new(ConflictCode, ErrorKind.Conflict, message);

    /// <summary>An exception with code <c>store.database_invalid</c>.</summary>
    internal static StoreException DatabaseInvalid(string message) => new(DatabaseInvalidCode, ErrorKind.InvalidInput, message);

    /// <summary>An exception with code <c>store.database_missing</c>.</summary>
    internal static StoreException DatabaseMissing(string message) => new(DatabaseMissingCode, ErrorKind.NotFound, message);

    /// <summary>An exception with code <c>store.database_refused</c>.</summary>
    internal static StoreException DatabaseRefused(string message) => new(DatabaseRefusedCode, ErrorKind.Refused, message);

    /// <summary>An exception with code <c>store.database_unavailable</c>.</summary>
    internal static StoreException DatabaseUnavailable(string message) => new(DatabaseUnavailableCode, ErrorKind.Internal, message);

    /// <summary>An exception with code <c>store.description_too_long</c>.</summary>
    internal static StoreException DescriptionTooLong(string message) => new(DescriptionTooLongCode, ErrorKind.InvalidInput, message);

    /// <summary>An exception with code <c>store.import_invalid</c>.</summary>
    internal static StoreException ImportInvalid(string message) => new(ImportInvalidCode, ErrorKind.InvalidInput, message);

    /// <summary>An exception with code <c>store.integrity</c>.</summary>
    internal static StoreException Integrity(string message) => new(IntegrityCode, ErrorKind.Integrity, message);

    /// <summary>An exception with code <c>store.key_file_permissions</c>.</summary>
    internal static StoreException KeyFilePermissions(string message) => new(KeyFilePermissionsCode, ErrorKind.Refused, message);

    /// <summary>An exception with code <c>store.key_missing</c>.</summary>
    internal static StoreException KeyMissing(string message) => new(KeyMissingCode, ErrorKind.Integrity, message);

    /// <summary>An exception with code <c>store.key_ring_empty</c>.</summary>
    internal static StoreException KeyRingEmpty(string message) => new(KeyRingEmptyCode, ErrorKind.Integrity, message);

    /// <summary>An exception with code <c>store.key_unwrap_failed</c>.</summary>
    internal static StoreException KeyUnwrapFailed(string message) => new(KeyUnwrapFailedCode, ErrorKind.Integrity, message);

    /// <summary>An exception with code <c>store.master_key_invalid</c>.</summary>
    internal static StoreException MasterKeyInvalid(string message) => new(MasterKeyInvalidCode, ErrorKind.InvalidInput, message);

    /// <summary>An exception with code <c>store.master_key_missing</c>.</summary>
    internal static StoreException MasterKeyMissing(string message) => new(MasterKeyMissingCode, ErrorKind.Integrity, message);

    /// <summary>An exception with code <c>store.master_key_wrong</c>.</summary>
    internal static StoreException MasterKeyWrong(string message) => new(MasterKeyWrongCode, ErrorKind.Integrity, message);

    /// <summary>An exception with code <c>store.not_found</c>.</summary>
    internal static StoreException NotFound(string message) => new(NotFoundCode, ErrorKind.NotFound, message);

    /// <summary>An exception with code <c>store.options_invalid</c>.</summary>
    internal static StoreException OptionsInvalid(string message) => new(OptionsInvalidCode, ErrorKind.InvalidInput, message);

    /// <summary>An exception with code <c>store.owner_invalid</c>.</summary>
    internal static StoreException OwnerInvalid(string message) => new(OwnerInvalidCode, ErrorKind.InvalidInput, message);

    /// <summary>An exception with code <c>store.permission_denied</c>.</summary>
    internal static StoreException PermissionDenied(string message) => new(PermissionDeniedCode, ErrorKind.PermissionDenied, message);

    /// <summary>An exception with code <c>store.read_only</c>.</summary>
    internal static StoreException ReadOnly(string message) => new(ReadOnlyCode, ErrorKind.Refused, message);

    /// <summary>An exception with code <c>store.schema_newer</c>.</summary>
    internal static StoreException SchemaNewer(string message) => new(SchemaNewerCode, ErrorKind.Refused, message);

    /// <summary>An exception with code <c>store.scope_invalid</c>.</summary>
    internal static StoreException ScopeInvalid(string message) => new(ScopeInvalidCode, ErrorKind.InvalidInput, message);

    /// <summary>An exception with code <c>store.system_managed</c>.</summary>
    internal static StoreException SystemManaged(string message) => new(SystemManagedCode, ErrorKind.Refused, message);

    /// <summary>An exception with code <c>store.value_empty</c>.</summary>
    internal static StoreException ValueEmpty(string message) => new(ValueEmptyCode, ErrorKind.InvalidInput, message);

    /// <summary>An exception with code <c>store.value_too_long</c>.</summary>
    internal static StoreException ValueTooLong(string message) => new(ValueTooLongCode, ErrorKind.InvalidInput, message);

    /// <summary>A search text is over 200 characters.</summary>
    public const string SearchTooLongCode = "store.search_too_long";

    /// <summary>A page limit is out of range.</summary>
    public const string LimitInvalidCode = "store.limit_invalid";

    /// <summary>A role word is not reader, writer or admin.</summary>
    public const string AccessRoleUnknownCode = "access.role_unknown";

    /// <summary>A check-and-set write or delete whose expected ETag is not the current one.</summary>
    internal static StoreException PreconditionFailed(SecretKey key, string? actual, string expected) =>
        new(PreconditionFailedCode, ErrorKind.Conflict, actual is null
            ? $"{key} does not exist, but the write expected ETag {expected}; create it without one"
            : $"{key} changed since it was read (ETag is {actual}, the write expected {expected}); read it again and retry");

    /// <summary>A create-only write (<c>If-None-Match: *</c>) of a secret that exists.</summary>
    internal static StoreException AlreadyExists(SecretKey key) =>
        new(AlreadyExistsCode, ErrorKind.Conflict, $"{key} already exists and the write asked to create it only (If-None-Match: *)");

    /// <summary>A restore of a version the secret does not have.</summary>
    internal static StoreException VersionMissing(SecretKey key, int version) =>
        new(VersionNotFoundCode, ErrorKind.NotFound, string.Create(CultureInfo.InvariantCulture, $"{key} has no version {version} (see its versions)"));

    /// <summary>A member change on a personal secret.</summary>
    internal static StoreException PersonalNotShareable(SecretKey key) =>
        new(PersonalNotShareableCode, ErrorKind.Refused, $"{key} is a personal secret: personal secrets belong to their owner alone and cannot be shared");

    /// <summary>A change to a scope admin's implicit membership.</summary>
    internal static StoreException ImplicitAdmin(SecretKey key, string userId) =>
        new(MemberImplicitAdminCode, ErrorKind.Refused, $"user '{userId}' is an admin of {key.Scope.ToText()} '{key.Owner}' and so an admin of {key.Name.Value}; revoke that role to change it");

    /// <summary>Removing or demoting the last explicit admin.</summary>
    internal static StoreException LastAdmin(SecretKey key, string userId) =>
        new(MemberLastAdminCode, ErrorKind.Refused, $"user '{userId}' is the last explicit admin of {key}; make another member admin first");

    /// <summary>A member that does not exist.</summary>
    internal static StoreException MemberMissing(SecretKey key, string userId) =>
        new(MemberNotFoundCode, ErrorKind.NotFound, $"user '{userId}' is not a member of {key}");

    /// <summary>An action on a secret that needs its admin role.</summary>
    internal static StoreException NotSecretAdmin(Principal principal, SecretKey key, string what) =>
        new(PermissionDeniedCode, ErrorKind.PermissionDenied, $"user '{principal.UserId}' may not {what} {key}: that needs the admin role on the secret");

    /// <summary>A member role that is neither admin nor member.</summary>
    internal static StoreException RoleUnknown() =>
        new(MemberRoleUnknownCode, ErrorKind.InvalidInput, "a member's role is admin or member");

    /// <summary><c>store.workflow_invalid</c>: a saved workflow's document is not a JSON object or is too large.</summary>
    public const string WorkflowInvalidCode = "store.workflow_invalid";

    /// <summary>A saved workflow's project or name that is not a letter or digit followed by letters, digits, '.', '_' and '-' (at most 100).</summary>
    internal static StoreException WorkflowNameInvalid(string what) =>
        new(NameInvalidCode, ErrorKind.InvalidInput, $"the saved workflow's {what} is not valid: use a letter or digit, then letters, digits, '.', '_' and '-', at most 100 characters");

    /// <summary>A saved workflow's document that is not a JSON object or is over the size limit.</summary>
    internal static StoreException WorkflowInvalid(string message) => new(WorkflowInvalidCode, ErrorKind.InvalidInput, message);

    /// <summary>A saved workflow that does not exist.</summary>
    internal static StoreException WorkflowMissing(string project, string name) =>
        new(NotFoundCode, ErrorKind.NotFound, $"project '{project}' has no saved workflow '{name}'");

    /// <summary>A check-and-set save or delete of a saved workflow whose expected ETag is not the current one.</summary>
    internal static StoreException WorkflowPreconditionFailed(string project, string name, string? actual, string expected) =>
        new(PreconditionFailedCode, ErrorKind.Conflict, actual is null
            ? $"saved workflow '{name}' of project '{project}' does not exist, but the write expected ETag {expected}; save it without one"
            : $"saved workflow '{name}' of project '{project}' changed since it was read (ETag is {actual}, the write expected {expected}); read it again and retry");

    /// <summary>A create-only save of a saved workflow that exists.</summary>
    internal static StoreException WorkflowExists(string project, string name) =>
        new(AlreadyExistsCode, ErrorKind.Conflict, $"project '{project}' already has a saved workflow '{name}' and the save asked to create it only (If-None-Match: *)");

    /// <summary>A saved-workflow action the principal's project role does not allow.</summary>
    internal static StoreException WorkflowForbidden(Principal principal, string project, string what) =>
        new(PermissionDeniedCode, ErrorKind.PermissionDenied, $"user '{principal.UserId}' may not {what} saved workflows of project '{project}'");

    /// <summary>A member role as the API and CLI write it.</summary>
    internal static string RoleText(SecretMemberRole role) => role == SecretMemberRole.Admin ? "admin" : "member";
}
