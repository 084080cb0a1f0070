namespace Secrets.Runtime.Tests.Store.Access;

/// <summary>The access contract against PostgreSQL.</summary>
[RequiresPostgres]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PostgresAccessStoreTests : AccessStoreContractTests
{
    public PostgresAccessStoreTests()
        : base(StoreBackend.Postgres)
    {
    }
}
