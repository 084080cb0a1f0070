namespace Secrets.Runtime.Store;

/// <summary>Where the store lives and where its master key comes from.</summary>
public sealed record StoreOptions
{
    /// <summary>The environment variable naming the home folder.</summary>
    public const string HomeVariable = "SECRETS_RUNTIME_HOME";

    /// <summary>The home folder: the SQLite file, the key file, run records and the compile cache live here.</summary>
    public required string Home { get; init; }

    /// <summary>Environment variables to read (<c>SECRETS_RUNTIME_MASTER_KEY</c>); the process environment is never read directly.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>The SQLite file's path.</summary>
    public string DatabasePath => Path.Combine(Home, "secrets.db");

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
}
