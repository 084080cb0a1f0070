namespace Secrets.Runtime.Sandbox.Tests.Expressions;

/// <summary>Memory tests run alone: the process's peak memory is theirs to watch.</summary>
[CollectionDefinition(nameof(ExpressionMemoryTests), DisableParallelization = true)]
public sealed class ExpressionMemoryTestsCollection;
