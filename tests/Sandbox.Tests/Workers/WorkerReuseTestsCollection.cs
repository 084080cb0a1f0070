namespace Secrets.Runtime.Sandbox.Tests.Workers;

/// <summary>
/// Reuse tests run alone: they judge idle workers by the CPU the operating system saw them use, and other test
/// classes running in this process would keep the machine's cores busier than a host between runs does.
/// </summary>
[CollectionDefinition(nameof(WorkerReuseTests), DisableParallelization = true)]
public sealed class WorkerReuseTestsCollection;
