namespace Secrets.Runtime.Store;

/// <summary>A role in one scope: for one owner (a project or organization id), or for every owner with <c>*</c>.</summary>
/// <param name="Scope">Organization or Project; personal secrets belong to their owner alone and take no grants.</param>
/// <param name="Owner">The organization or project id, or <c>*</c>.</param>
/// <param name="Role">The role granted.</param>
public sealed record RoleGrant(SecretScope Scope, string Owner, SecretRole Role);
