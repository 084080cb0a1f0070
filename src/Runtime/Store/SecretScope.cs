namespace Secrets.Runtime.Store;

/// <summary>Where a secret lives; a secret is identified by (scope, owner, name).</summary>
public enum SecretScope
{
    /// <summary>Shared by every project of the organization; the owner is the organization id. "workspace" is accepted as the same word.</summary>
    Organization,

    /// <summary>Belongs to one named project; the owner is the project id.</summary>
    Project,

    /// <summary>Belongs to one user alone; the owner is the user id.</summary>
    Personal,
}
