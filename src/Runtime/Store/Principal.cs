namespace Secrets.Runtime.Store;

/// <summary>Placeholder until the store lands (taken from the store branch at merge).</summary>
public sealed record Principal(string UserId);
