namespace Secrets.Runtime.Tests.Store.Versions;

/// <summary>The versions contract against PostgreSQL.</summary>
[RequiresPostgres]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PostgresSecretVersionTests : SecretVersionContractTests
{
    public PostgresSecretVersionTests()
        : base(StoreBackend.Postgres)
    {
    }
}
