namespace Secrets.Runtime.Store;

/// <summary>Which secrets <see cref="ISecretStore.ListAsync"/> returns.</summary>
public sealed record SecretListQuery
{
    /// <summary>Only this scope, or every scope.</summary>
    public SecretScope? Scope { get; init; }

    /// <summary>Only this owner, or every owner the principal may read.</summary>
    public string? Owner { get; init; }

    /// <summary>Include system-managed secrets (hidden by default).</summary>
    public bool IncludeSystem { get; init; }
}
