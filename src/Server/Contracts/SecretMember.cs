namespace Secrets.Runtime.Server.Contracts;

/// <summary>An explicit member of a secret.</summary>
/// <param name="User">The user.</param>
/// <param name="Role"><c>admin</c> or <c>member</c>.</param>
public sealed record SecretMember(string User, string Role);
