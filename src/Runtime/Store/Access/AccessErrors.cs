using System.Globalization;
using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Store.Access;

/// <summary>Every refusal of users, grants and tokens: one place per error code.</summary>
public static class AccessErrors
{
    /// <summary><c>access.grant_not_found</c>.</summary>
    public const string GrantNotFoundCode = "access.grant_not_found";

    /// <summary><c>access.grant_owner_invalid</c>.</summary>
    public const string GrantOwnerInvalidCode = "access.grant_owner_invalid";

    /// <summary><c>access.grant_scope_invalid</c>.</summary>
    public const string GrantScopeInvalidCode = "access.grant_scope_invalid";

    /// <summary><c>access.permission_denied</c>.</summary>
    public const string PermissionDeniedCode = "access.permission_denied";

    /// <summary><c>access.scope_missing</c>.</summary>
    public const string ScopeMissingCode = "access.scope_missing";

    /// <summary><c>access.token_expiry_past</c>.</summary>
    public const string TokenExpiryPastCode = "access.token_expiry_past";

    /// <summary><c>access.token_name_invalid</c>.</summary>
    public const string TokenNameInvalidCode = "access.token_name_invalid";

    /// <summary><c>access.token_not_found</c>.</summary>
    public const string TokenNotFoundCode = "access.token_not_found";

    /// <summary><c>access.token_scope_not_held</c>.</summary>
    public const string TokenScopeNotHeldCode = "access.token_scope_not_held";

    /// <summary><c>access.token_scope_unknown</c>.</summary>
    public const string TokenScopeUnknownCode = "access.token_scope_unknown";

    /// <summary><c>access.user_invalid</c>.</summary>
    public const string UserInvalidCode = "access.user_invalid";

    internal static StoreException UserInvalid() =>
        new(UserInvalidCode, ErrorKind.InvalidInput, "a user id is 1 to 200 characters with no control characters or spaces");

    internal static StoreException GrantScopeInvalid() =>
        new(GrantScopeInvalidCode, ErrorKind.InvalidInput, "roles are granted on an organization or a project; personal secrets belong to their owner alone");

    internal static StoreException GrantOwnerInvalid() =>
        new(GrantOwnerInvalidCode, ErrorKind.InvalidInput, "a grant names an organization or project id of 1 to 200 characters, or * for every one");

    internal static StoreException GrantMissing(string userId, RoleGrant grant) =>
        new(GrantNotFoundCode, ErrorKind.NotFound, $"user '{userId}' holds no role on {grant.Scope.ToText()} '{grant.Owner}'");

    internal static StoreException TokenNameInvalid() =>
        new(TokenNameInvalidCode, ErrorKind.InvalidInput, string.Create(CultureInfo.InvariantCulture, $"a token name is 1 to {TokenRequest.MaxNameLength} characters with no control characters"));

    // The text is not echoed: a mistyped argument may be something pasted by accident.
    internal static StoreException TokenScopeUnknown() =>
        new(TokenScopeUnknownCode, ErrorKind.InvalidInput, $"unknown token scope; the scopes are {string.Join(", ", TokenScopes.All)}");

    internal static StoreException TokenScopeNotHeld(string scope) =>
        new(TokenScopeNotHeldCode, ErrorKind.PermissionDenied, $"a token may not grant the scope '{scope}', which the token creating it lacks");

    internal static StoreException TokenExpiryPast() =>
        new(TokenExpiryPastCode, ErrorKind.InvalidInput, "a token's expiry must be in the future");

    internal static StoreException TokenNotFound(string id) =>
        new(TokenNotFoundCode, ErrorKind.NotFound, id.Length == 16 && id.All(char.IsAsciiHexDigitLower)
            ? $"no token with id '{id}' (see `token list`)"
            : "no token with that id: an id is 16 hex digits, as `token list` shows it (never the token itself)");

    internal static StoreException ScopeMissing(Principal principal, string scope) =>
        new(ScopeMissingCode, ErrorKind.PermissionDenied, $"the token of user '{principal.UserId}' lacks the scope {scope}");

    internal static StoreException NotAdmin(Principal principal, string what) =>
        new(PermissionDeniedCode, ErrorKind.PermissionDenied, $"user '{principal.UserId}' may not {what}");
}
