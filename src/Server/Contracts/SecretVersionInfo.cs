namespace Secrets.Runtime.Server.Contracts;

/// <summary>One version in a secret's history. Never a value.</summary>
/// <param name="Version">The version number, from 1.</param>
/// <param name="CreatedAt">When it was written.</param>
/// <param name="CreatedBy">Who wrote it.</param>
/// <param name="Source"><c>set</c>, <c>import</c>, <c>restore</c> or <c>rotate</c>.</param>
/// <param name="ValueLength">The value's length in UTF-8 bytes.</param>
/// <param name="RestoredFrom">For a restore, the version whose value it took.</param>
public sealed record SecretVersionInfo(int Version, DateTimeOffset CreatedAt, string CreatedBy, string Source, int ValueLength, int? RestoredFrom);
