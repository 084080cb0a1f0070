using Secrets.Runtime.Tests.Support;

namespace Secrets.Runtime.Sandbox.Tests.Workers;

/// <summary>The test classes that share one script runner (one compile worker, one spare) instead of one each.</summary>
[CollectionDefinition(Name)]
public sealed class WorkersCollection : ICollectionFixture<ScriptRunnerFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "workers";
}
