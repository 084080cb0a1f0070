namespace Secrets.Runtime.Store;

/// <summary>Where a secret lives: (scope, owner, name), the primary key of every backend.</summary>
internal readonly record struct SecretKey(SecretScope Scope, string Owner, SecretName Name)
{
    public override string ToString() => $"{Name.Value} in {Scope.ToText()} '{Owner}'";
}
