namespace Secrets.Runtime.Store.Access;

/// <summary>A user with a role on one secret: an explicit member, or an admin of its scope (implicit, never removable here).</summary>
/// <param name="UserId">The user.</param>
/// <param name="Role">Admin or member.</param>
/// <param name="Implicit">True for an admin of the secret's organization or project, who is admin of every secret there.</param>
/// <param name="AddedAt">When an explicit member was added; null for an implicit admin.</param>
/// <param name="AddedBy">Who added an explicit member; null for an implicit admin.</param>
public sealed record SecretMember(string UserId, SecretMemberRole Role, bool Implicit, DateTimeOffset? AddedAt, string? AddedBy);
