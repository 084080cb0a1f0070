namespace Secrets.Runtime.Server.Contracts;

/// <summary>A user with a role on one secret.</summary>
/// <param name="User">The user.</param>
/// <param name="Role"><c>admin</c> or <c>member</c>.</param>
/// <param name="Implicit">True for an admin of the secret's scope (admin of every secret there; cannot be removed).</param>
/// <param name="AddedAt">When an explicit member was added.</param>
/// <param name="AddedBy">Who added an explicit member.</param>
public sealed record SecretMemberInfo(string User, string Role, bool Implicit, DateTimeOffset? AddedAt, string? AddedBy);
