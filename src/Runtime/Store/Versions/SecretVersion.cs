namespace Secrets.Runtime.Store.Versions;

/// <summary>One version in a secret's history: when, by whom and how it was made. Never a value.</summary>
/// <param name="Version">The version number, from 1.</param>
/// <param name="CreatedAt">When it was written.</param>
/// <param name="CreatedBy">Who wrote it.</param>
/// <param name="Source">What made it.</param>
/// <param name="ValueLength">The value's length in UTF-8 bytes.</param>
/// <param name="RestoredFrom">For a restore, the version whose value it took; else null.</param>
public sealed record SecretVersion(int Version, DateTimeOffset CreatedAt, string CreatedBy, SecretVersionSource Source, int ValueLength, int? RestoredFrom);
