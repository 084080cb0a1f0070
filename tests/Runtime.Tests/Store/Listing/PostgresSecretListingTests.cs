namespace Secrets.Runtime.Tests.Store.Listing;

/// <summary>The listing contract against PostgreSQL.</summary>
[RequiresPostgres]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PostgresSecretListingTests : SecretListingContractTests
{
    public PostgresSecretListingTests()
        : base(StoreBackend.Postgres)
    {
    }
}
