using System.Reflection;
using Secrets.Runtime.Conventions.Tests.Scans;
using Secrets.Runtime.Hosting;
using Secrets.Runtime.Queue;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Runs;
using Secrets.Runtime.Sandbox.Expressions;
using Secrets.Runtime.Sandbox.Workers;
using Secrets.Runtime.Server;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Execution;

namespace Secrets.Runtime.Conventions.Tests;

/// <summary>
/// Every options and limits type checks itself (<c>Validate()</c>, or <c>Resolve()</c> for the runtime's options) and
/// names every problem at once: a host that gets two settings wrong learns of both in one try.
/// </summary>
public sealed class OptionsValidationTests
{
    /// <summary>One instance of each options type with two faults, and the two names its error must carry.</summary>
    public static TheoryData<string, Func<object>, string, string> TwoFaults { get; } = new()
    {
        { nameof(RedactionOptions), () => new RedactionOptions { Mask = string.Empty, MaximumDecodingDepth = 0 }.Validate(), "Mask", "MaximumDecodingDepth" },
        { nameof(ExpressionLimits), () => new ExpressionLimits { MaxStatements = 0, MaxNesting = 0 }.Validate(), "MaxStatements", "MaxNesting" },
        { nameof(ScriptLimits), () => new ScriptLimits { Timeout = TimeSpan.Zero, MaxOutputBytes = 0 }.Validate(), "Timeout", "MaxOutputBytes" },
        { nameof(WorkerResources), () => new WorkerResources { MaxThreads = 1, MaxOpenFiles = 1 }.Validate(), "MaxThreads", "MaxOpenFiles" },
        { nameof(ScriptRunnerOptions), () => new ScriptRunnerOptions { CompileTimeout = TimeSpan.Zero, Limits = new ScriptLimits { MaxResultBytes = 0 } }.Validate(), "CompileTimeout", "MaxResultBytes" },
        { nameof(WorkflowExecutorOptions), () => new WorkflowExecutorOptions { HttpTimeout = TimeSpan.Zero, ExpressionLimits = new ExpressionLimits { MaxRecursion = 0 } }.Validate(), "HttpTimeout", "MaxRecursion" },
        { nameof(StoreOptions), () => Validated(new StoreOptions { Home = " ", MaxStaleness = TimeSpan.Zero }, o => o.Validate()), "Home", "MaxStaleness" },
        { nameof(RunQueueOptions), () => Validated(new RunQueueOptions { LeaseDuration = TimeSpan.Zero, MaxAttempts = 0 }, o => o.Validate()), "LeaseDuration", "MaxAttempts" },
        { nameof(QueueWorkerOptions), () => Validated(new QueueWorkerOptions { Concurrency = 0, Queues = [] }, o => o.Validate()), "Concurrency", "Queues" },
        { nameof(SecretsServerOptions), () => Validated(new SecretsServerOptions { ShutdownTimeout = TimeSpan.Zero, MaxRequestBodyBytes = 1, Runtime = new SecretsRuntimeOptions { Home = "/nonexistent" } }, o => o.Validate()), "ShutdownTimeout", "MaxRequestBodyBytes" },
        { nameof(SecretsRuntimeOptions), () => new SecretsRuntimeOptions { Home = "/nonexistent", Environment = new Dictionary<string, string?>(), HttpTimeout = TimeSpan.Zero, ScriptLimits = new ScriptLimits { CpuTime = TimeSpan.Zero } }.Resolve(), "HttpTimeout", "CpuTime" },
    };

    [Theory]
    [MemberData(nameof(TwoFaults))]
    public void An_options_type_with_two_faults_names_both_in_one_error(string type, Func<object> validate, string first, string second)
    {
        ArgumentNullException.ThrowIfNull(validate);

        var error = Assert.ThrowsAny<Exception>(validate);

        Assert.True(error.Message.Contains(first, StringComparison.Ordinal) && error.Message.Contains(second, StringComparison.Ordinal),
            $"{type}'s error names only part of what is wrong (expected {first} and {second}): {error.Message}");
        Assert.True(error is SecretsRuntimeException or ArgumentException, $"{type} threw a {error.GetType().Name}, not a SecretsRuntimeException or ArgumentException");
    }

    /// <summary>Types named like options that are not settings, each with its reason.</summary>
    private static readonly string[] NotSettings =
    [
        // A message of the worker pipe: the limits a run was handed, checked on the host side as ScriptLimits.
        "Secrets.Runtime.Sandbox.Workers.Protocol.RunLimits",

        // The CLI's --scope/--project/--owner/--org option set for System.CommandLine, not a settings type.
        "Secrets.Runtime.Cli.Commands.ScopeOptions",
    ];

    [Fact]
    public void Every_options_and_limits_type_in_src_public_or_internal_validates_itself_and_is_checked_here()
    {
        // Internal ones too: the queue's options became internal with the queue (a host of this repository, not the
        // embedder's surface), and they guard a run's lease and retries all the same.
        var covered = TwoFaults.Select(row => (string)row[0]).ToHashSet(StringComparer.Ordinal);
        var all = SourceAssemblies.Types().Where(IsOptionsType).ToList();
        var types = all.Where(t => !NotSettings.Contains(t.FullName, StringComparer.Ordinal)).ToList();

        Assert.All(NotSettings, name => Assert.Contains(all, t => string.Equals(t.FullName, name, StringComparison.Ordinal)));

        var unchecked_ = types.Where(t => !covered.Contains(t.Name)).Select(t => t.FullName).ToList();
        var unvalidated = types.Where(t => ValidationMethod(t) is null).Select(t => t.FullName).ToList();

        Assert.True(unchecked_.Count == 0, "add a two-fault case to TwoFaults for:\n" + string.Join('\n', unchecked_));
        Assert.True(unvalidated.Count == 0, "give these a public Validate() that lists every problem:\n" + string.Join('\n', unvalidated));
        Assert.True(types.Count >= TwoFaults.Count, "an options type in TwoFaults was not found in src");
    }

    [Fact]
    public void The_discovery_sees_an_options_type_without_validation()
    {
        Assert.True(IsOptionsType(typeof(UnvalidatedOptions)));
        Assert.Null(ValidationMethod(typeof(UnvalidatedOptions)));
        Assert.NotNull(ValidationMethod(typeof(StoreOptions)));
    }

    private static bool IsOptionsType(Type type) =>
        type.IsClass && !type.IsAbstract && (type.Name.EndsWith("Options", StringComparison.Ordinal) || type.Name.EndsWith("Limits", StringComparison.Ordinal) || type.Name.EndsWith("Resources", StringComparison.Ordinal));

    private static MethodInfo? ValidationMethod(Type type) =>
        type.GetMethod("Validate", BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes)
        ?? type.GetMethod("Resolve", BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes);

    private static T Validated<T>(T options, Action<T> validate)
    {
        validate(options);
        return options;
    }

    /// <summary>A sample that the discovery must flag: an options type with nothing to check it.</summary>
    internal sealed record UnvalidatedOptions(int Size);
}
