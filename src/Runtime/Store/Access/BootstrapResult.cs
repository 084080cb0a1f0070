namespace Secrets.Runtime.Store.Access;

/// <summary>What <see cref="AccessStore.BootstrapAsync"/> made on an empty store: an admin user and its token, shown once.</summary>
/// <param name="UserId">The admin user.</param>
/// <param name="Token">The admin token, with every scope.</param>
public sealed record BootstrapResult(string UserId, IssuedToken Token);
