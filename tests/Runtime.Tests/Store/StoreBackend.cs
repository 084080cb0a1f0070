namespace Secrets.Runtime.Tests.Store;

/// <summary>The backends the contract suite runs against.</summary>
internal enum StoreBackend
{
    Sqlite,
    Postgres,
}
