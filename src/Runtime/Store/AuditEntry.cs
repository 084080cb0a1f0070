namespace Secrets.Runtime.Store;

/// <summary>One audit record: who did what to which secret, when. Never a value.</summary>
/// <param name="At">When.</param>
/// <param name="Actor">The user.</param>
/// <param name="Action">create, update, delete, import, rotate or use.</param>
/// <param name="Scope">The secret's scope, or null for store-wide actions (rotate).</param>
/// <param name="Owner">The secret's owner, or null.</param>
/// <param name="Name">The secret's name, or null.</param>
/// <param name="Version">The version written or used, or null.</param>
/// <param name="Detail">Extra facts (run and node of a use, counts of an import, new key id), never a value.</param>
public sealed record AuditEntry(DateTimeOffset At, string Actor, string Action, SecretScope? Scope, string? Owner, string? Name, int? Version, string? Detail)
{
    /// <summary>The entry's number in the log (grows with each entry); 0 for an entry not read from the log.</summary>
    public long Id { get; init; }
}
