using Secrets.Runtime.Tests.Store;

namespace Secrets.Runtime.Server.Tests;

/// <summary>A test that needs the PostgreSQL test server: skipped only when none can start, failed instead when SECRETS_RUNTIME_REQUIRE_POSTGRES=1.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresTestServer.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
