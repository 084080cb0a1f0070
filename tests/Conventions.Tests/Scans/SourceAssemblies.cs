using System.Reflection;
using Secrets.Runtime.Cli;
using Secrets.Runtime.Queue;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Sandbox;
using Secrets.Runtime.Sandbox.CSharp;
using Secrets.Runtime.Server;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Conventions.Tests.Scans;

/// <summary>The assemblies built from src/ that the reflection conventions read (the worker host is read as source only).</summary>
internal static class SourceAssemblies
{
    public static IReadOnlyList<Assembly> All { get; } =
    [
        typeof(SecretRedactor).Assembly,
        typeof(ScriptGuard).Assembly,
        typeof(LimitKind).Assembly,
        typeof(StoreOptions).Assembly,
        typeof(QueueWorkerOptions).Assembly,
        typeof(SecretsServerOptions).Assembly,
        typeof(CliContext).Assembly,
    ];

    /// <summary>Every type declared in the src assemblies, compiler- and generator-made ones left out.</summary>
    public static IEnumerable<Type> Types() => All.SelectMany(TypeScan.DeclaredTypes);

    /// <summary>The folder holding Secrets.Runtime.sln.</summary>
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Secrets.Runtime.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("the repository root (Secrets.Runtime.sln) is not above the test's folder");
    }
}
