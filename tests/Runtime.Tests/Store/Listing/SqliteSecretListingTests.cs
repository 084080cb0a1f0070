namespace Secrets.Runtime.Tests.Store.Listing;

/// <summary>The listing contract against SQLite.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SqliteSecretListingTests : SecretListingContractTests
{
    public SqliteSecretListingTests()
        : base(StoreBackend.Sqlite)
    {
    }
}
