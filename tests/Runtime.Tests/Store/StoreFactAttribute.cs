using Xunit.Sdk;

namespace Secrets.Runtime.Tests.Store;

/// <summary>
/// A fact that runs against the backend of its class: in a class marked <see cref="RequiresPostgresAttribute"/> it is
/// reported as skipped, with the reason, where no PostgreSQL server can be started.
/// </summary>
[XunitTestCaseDiscoverer("Secrets.Runtime.Tests.Store.StoreFactDiscoverer", "Secrets.Runtime.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class StoreFactAttribute : FactAttribute
{
}
