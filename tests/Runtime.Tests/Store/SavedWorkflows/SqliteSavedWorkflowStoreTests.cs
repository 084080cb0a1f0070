namespace Secrets.Runtime.Tests.Store.SavedWorkflows;

/// <summary>The saved-workflow contract against SQLite.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SqliteSavedWorkflowStoreTests : SavedWorkflowStoreContractTests
{
    public SqliteSavedWorkflowStoreTests()
        : base(StoreBackend.Sqlite)
    {
    }
}
