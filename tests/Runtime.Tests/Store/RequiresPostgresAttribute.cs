namespace Secrets.Runtime.Tests.Store;

/// <summary>Marks a test class whose <see cref="StoreFactAttribute"/> tests need the PostgreSQL test server.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class RequiresPostgresAttribute : Attribute
{
    /// <summary>Whether the tests also restart the server.</summary>
    public bool Restarts { get; init; }
}
