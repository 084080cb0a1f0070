namespace Secrets.Runtime.Tests.Store.Access;

/// <summary>The members contract against SQLite.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SqliteSecretMemberTests : SecretMemberContractTests
{
    public SqliteSecretMemberTests()
        : base(StoreBackend.Sqlite)
    {
    }
}
