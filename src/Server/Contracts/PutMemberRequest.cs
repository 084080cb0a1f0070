namespace Secrets.Runtime.Server.Contracts;

/// <summary>The body of <c>PUT .../members/{user}</c>.</summary>
public sealed record PutMemberRequest
{
    /// <summary><c>admin</c> (replace the value, edit, delete, manage members) or <c>member</c> (use in runs, see metadata).</summary>
    public required string Role { get; init; }
}
