using System.Globalization;
using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Store;

/// <summary>Where the store lives, where its master key comes from, and how stale a shared store's cache may be.</summary>
public sealed record StoreOptions
{
    /// <summary>The environment variable naming the home folder.</summary>
    public const string HomeVariable = "SECRETS_RUNTIME_HOME";

    /// <summary>The environment variable holding a PostgreSQL connection (used when <c>--database</c> is not given).</summary>
    public const string DatabaseVariable = "SECRETS_RUNTIME_DATABASE";

    /// <summary>The default of <see cref="MaxStaleness"/>: 5 seconds.</summary>
    public static readonly TimeSpan DefaultMaxStaleness = TimeSpan.FromSeconds(5);

    /// <summary>The largest <see cref="MaxStaleness"/> accepted: 10 minutes.</summary>
    public static readonly TimeSpan MaxMaxStaleness = TimeSpan.FromMinutes(10);

    /// <summary>The home folder: the SQLite file, the key file, run records and the compile cache live here.</summary>
    public required string Home { get; init; }

    /// <summary>Environment variables to read (<c>SECRETS_RUNTIME_MASTER_KEY</c>); the process environment is never read directly.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>
    /// A PostgreSQL database shared by many hosts: an Npgsql connection string (<c>Host=db;Database=secrets;Username=app</c>)
    /// or a <c>postgresql://user@host:port/db</c> URI. Null (the default): the SQLite file in <see cref="Home"/>.
    /// </summary>
    public string? Database { get; init; }

    /// <summary>
    /// Shared store only: a resolution that starts more than this long after a write committed on another host uses
    /// the new version, even when this host missed the notification (default 5 s; from 10 ms to 10 minutes). The
    /// writing host, and a run given the write's change number, use it at once.
    /// </summary>
    public TimeSpan MaxStaleness { get; init; } = DefaultMaxStaleness;

    /// <summary>
    /// Shared store only: hold a LISTEN connection so other hosts' writes are seen within milliseconds (default true).
    /// Without it the host only polls, every half <see cref="MaxStaleness"/>; the bound holds either way.
    /// </summary>
    public bool ListenForChanges { get; init; } = true;

    /// <summary>The clock that stamps audit entries, changes, grants and keys (default <see cref="TimeProvider.System"/>; tests pass a fake).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The SQLite file's path.</summary>
    public string DatabasePath => Path.Combine(Home, "secrets.db");

    /// <summary>Checks every setting, listing every problem.</summary>
    /// <exception cref="StoreException">A setting is out of range.</exception>
    public void Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Home))
        {
            problems.Add("Home is required");
        }

        if (MaxStaleness < TimeSpan.FromMilliseconds(10) || MaxStaleness > MaxMaxStaleness)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"MaxStaleness is {MaxStaleness.TotalMilliseconds} ms; it must be from 10 ms to 10 minutes"));
        }

        if (Database is not null && string.IsNullOrWhiteSpace(Database))
        {
            problems.Add("Database is empty; give a PostgreSQL connection string or URI, or null for SQLite");
        }

        if (problems.Count > 0)
        {
            throw StoreErrors.OptionsInvalid("store options: " + string.Join("; ", problems));
        }
    }

    /// <summary>
    /// The home folder: <paramref name="explicitHome"/> (<c>--home</c>), else <c>SECRETS_RUNTIME_HOME</c>, else
    /// <c>~/.secrets-runtime</c>.
    /// </summary>
    public static string ResolveHome(string? explicitHome, IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (!string.IsNullOrWhiteSpace(explicitHome))
        {
            return Path.GetFullPath(explicitHome);
        }

        if (environment.TryGetValue(HomeVariable, out var fromEnv) && !string.IsNullOrWhiteSpace(fromEnv))
        {
            return Path.GetFullPath(fromEnv);
        }

        return Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".secrets-runtime");
    }

    /// <summary>The shared database: <paramref name="explicitDatabase"/> (<c>--database</c>), else <c>SECRETS_RUNTIME_DATABASE</c>, else null (SQLite).</summary>
    public static string? ResolveDatabase(string? explicitDatabase, IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (!string.IsNullOrWhiteSpace(explicitDatabase))
        {
            return explicitDatabase;
        }

        return environment.TryGetValue(DatabaseVariable, out var fromEnv) && !string.IsNullOrWhiteSpace(fromEnv) ? fromEnv : null;
    }
}
