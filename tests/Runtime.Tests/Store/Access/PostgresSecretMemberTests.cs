namespace Secrets.Runtime.Tests.Store.Access;

/// <summary>The members contract against PostgreSQL.</summary>
[RequiresPostgres]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PostgresSecretMemberTests : SecretMemberContractTests
{
    public PostgresSecretMemberTests()
        : base(StoreBackend.Postgres)
    {
    }
}
