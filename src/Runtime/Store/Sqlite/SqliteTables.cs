namespace Secrets.Runtime.Store.Sqlite;

/// <summary>The tables whose writes <see cref="SqliteChangeMarks"/> counts, as a set: what a remembered read depends on.</summary>
[Flags]
internal enum SqliteTables
{
    /// <summary>No table.</summary>
    None = 0,

    /// <summary><c>secrets</c>: every column, <c>last_used_at</c> too (a page shows it).</summary>
    Secrets = 1,

    /// <summary><c>secret_members</c>.</summary>
    SecretMembers = 2,

    /// <summary><c>grants</c>.</summary>
    Grants = 4,

    /// <summary><c>tokens</c>: every column but <c>last_used_at</c>, which no permission depends on.</summary>
    Tokens = 8,

    /// <summary><c>users</c>.</summary>
    Users = 16,
}
