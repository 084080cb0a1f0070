namespace Secrets.Runtime.Server.Contracts;

/// <summary>One audit entry: who did what to which secret, when. Never a value.</summary>
/// <param name="At">When.</param>
/// <param name="Actor">Who.</param>
/// <param name="Action">create, update, delete, import, rotate, use, …</param>
/// <param name="Scope">The secret's scope, or null for store-wide actions.</param>
/// <param name="Owner">The secret's owner, or null.</param>
/// <param name="Name">The secret's name, or null.</param>
/// <param name="Version">The version written or used, or null.</param>
/// <param name="Detail">Extra facts (run and node of a use, counts), never a value.</param>
public sealed record AuditRecord(DateTimeOffset At, string Actor, string Action, string? Scope, string? Owner, string? Name, int? Version, string? Detail);
