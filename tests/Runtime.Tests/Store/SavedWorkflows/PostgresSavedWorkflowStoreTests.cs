namespace Secrets.Runtime.Tests.Store.SavedWorkflows;

/// <summary>The saved-workflow contract against PostgreSQL.</summary>
[RequiresPostgres]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PostgresSavedWorkflowStoreTests : SavedWorkflowStoreContractTests
{
    public PostgresSavedWorkflowStoreTests()
        : base(StoreBackend.Postgres)
    {
    }
}
