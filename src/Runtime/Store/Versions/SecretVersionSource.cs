namespace Secrets.Runtime.Store.Versions;

/// <summary>What made a version of a secret's value.</summary>
public enum SecretVersionSource
{
    /// <summary>A value set by hand (CLI, API).</summary>
    Set,

    /// <summary>A line of an imported <c>.env</c> file.</summary>
    Import,

    /// <summary>A restore of an earlier version's value.</summary>
    Restore,

    /// <summary>A new value from the integration that manages a system secret (a refreshed OAuth token).</summary>
    Rotate,
}
