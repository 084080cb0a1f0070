namespace Secrets.Runtime.Store.Access;

/// <summary>An explicit member as a backend stores it.</summary>
internal sealed record SecretMemberRow(SecretKey Key, string UserId, SecretMemberRole Role, DateTimeOffset AddedAt, string AddedBy);
