namespace Secrets.Runtime.Store.Access;

/// <summary>A persisted role grant: a user holds a role on one organization or project (or every one, <c>*</c>).</summary>
/// <param name="UserId">The user.</param>
/// <param name="Grant">The scope, owner and role.</param>
/// <param name="GrantedAt">When it was granted.</param>
/// <param name="GrantedBy">Who granted it.</param>
public sealed record UserGrant(string UserId, RoleGrant Grant, DateTimeOffset GrantedAt, string GrantedBy);
