using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Secrets.Runtime.Tests.Store;

/// <summary>Discovers <see cref="StoreFactAttribute"/> tests, skipping those of PostgreSQL classes where no server can be started.</summary>
public sealed class StoreFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    /// <inheritdoc />
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        ArgumentNullException.ThrowIfNull(testMethod);
        var requires = testMethod.TestClass.Class.ToRuntimeType().GetCustomAttribute<RequiresPostgresAttribute>();
        var reason = requires is null ? null : requires.Restarts ? PostgresTestServer.RestartSkipReason : PostgresTestServer.SkipReason;
        return reason is null
            ? base.Discover(discoveryOptions, testMethod, factAttribute)
            : [new XunitSkippedDataRowTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, reason)];
    }
}
