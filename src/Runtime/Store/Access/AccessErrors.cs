using System.Globalization;
using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Store.Access;

/// <summary>Every refusal of users, grants and tokens: one place per error code.</summary>
internal static class AccessErrors
{
    public static StoreException UserInvalid() =>
        new("access.user_invalid", ErrorKind.InvalidInput, "a user id is 1 to 200 characters with no control characters or spaces");

    public static StoreException GrantScopeInvalid() =>
        new("access.grant_scope_invalid", ErrorKind.InvalidInput, "roles are granted on an organization or a project; personal secrets belong to their owner alone");

    public static StoreException GrantOwnerInvalid() =>
        new("access.grant_owner_invalid", ErrorKind.InvalidInput, "a grant names an organization or project id of 1 to 200 characters, or * for every one");

    public static StoreException GrantMissing(string userId, RoleGrant grant) =>
        new("access.grant_not_found", ErrorKind.NotFound, $"user '{userId}' holds no role on {grant.Scope.ToText()} '{grant.Owner}'");

    public static StoreException TokenNameInvalid() =>
        new("access.token_name_invalid", ErrorKind.InvalidInput, string.Create(CultureInfo.InvariantCulture, $"a token name is 1 to {TokenRequest.MaxNameLength} characters with no control characters"));

    // The text is not echoed: a mistyped argument may be something pasted by accident.
    public static StoreException TokenScopeUnknown() =>
        new("access.token_scope_unknown", ErrorKind.InvalidInput, $"unknown token scope; the scopes are {string.Join(", ", TokenScopes.All)}");

    public static StoreException TokenScopeNotHeld(string scope) =>
        new("access.token_scope_not_held", ErrorKind.PermissionDenied, $"a token may not grant the scope '{scope}', which the token creating it lacks");

    public static StoreException TokenExpiryPast() =>
        new("access.token_expiry_past", ErrorKind.InvalidInput, "a token's expiry must be in the future");

    public static StoreException TokenNotFound(string id) =>
        new("access.token_not_found", ErrorKind.NotFound, id.Length == 16 && id.All(char.IsAsciiHexDigitLower)
            ? $"no token with id '{id}' (see `token list`)"
            : "no token with that id: an id is 16 hex digits, as `token list` shows it (never the token itself)");

    public static StoreException ScopeMissing(Principal principal, string scope) =>
        new("access.scope_missing", ErrorKind.PermissionDenied, $"the token of user '{principal.UserId}' lacks the scope {scope}");

    public static StoreException NotAdmin(Principal principal, string what) =>
        new("access.permission_denied", ErrorKind.PermissionDenied, $"user '{principal.UserId}' may not {what}");
}
