namespace Secrets.Runtime.Tests.Store.Versions;

/// <summary>The versions contract against SQLite.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SqliteSecretVersionTests : SecretVersionContractTests
{
    public SqliteSecretVersionTests()
        : base(StoreBackend.Sqlite)
    {
    }
}
