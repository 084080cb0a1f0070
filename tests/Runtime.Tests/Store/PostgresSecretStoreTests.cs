namespace Secrets.Runtime.Tests.Store;

/// <summary>The contract suite against PostgreSQL (a schema of its own per test in the test server's database).</summary>
[RequiresPostgres]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PostgresSecretStoreTests : SecretStoreContractTests
{
    public PostgresSecretStoreTests()
        : base(StoreBackend.Postgres)
    {
    }
}
