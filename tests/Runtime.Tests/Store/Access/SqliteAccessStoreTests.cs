namespace Secrets.Runtime.Tests.Store.Access;

/// <summary>The access contract against SQLite.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SqliteAccessStoreTests : AccessStoreContractTests
{
    public SqliteAccessStoreTests()
        : base(StoreBackend.Sqlite)
    {
    }
}
