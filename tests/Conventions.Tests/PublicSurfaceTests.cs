using System.Reflection;
using Secrets.Runtime.Conventions.Tests.Samples;
using Secrets.Runtime.Conventions.Tests.Scans;
using Secrets.Runtime.Hosting;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Redaction.Logging;
using Secrets.Runtime.Sandbox;
using Secrets.Runtime.Sandbox.CSharp;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Import;
using Secrets.Runtime.Workflows.Definition;

namespace Secrets.Runtime.Conventions.Tests;

/// <summary>
/// The embedder's surface stays what a host needs: the public types of the libraries are a checked-in list, every one
/// of them is reachable from what a host starts with, and the folders that hold tooling only have no public type.
/// Tooling the CLI, the server or the queue need is internal and reached through InternalsVisibleTo.
/// </summary>
public sealed class PublicSurfaceTests
{
    /// <summary>The libraries a host references, whose public types are listed in <c>public-types.txt</c>.</summary>
    private static readonly Assembly[] Libraries =
    [
        typeof(SecretRedactor).Assembly,
        typeof(ScriptGlobals).Assembly,
        typeof(LimitKind).Assembly,
        typeof(SecretsRuntime).Assembly,
    ];

    /// <summary>
    /// What a host starts with (it holds nothing yet): the front door and its DI extension, the store opened on its own
    /// (README, Store), loading a workflow and a .env file, and masking (the redactor, its writer and stream, Serilog).
    /// A script starts with its globals, and the guard woven into it. Every public exception and error catalogue is an
    /// entry point too: a host catches the one and compares codes with the other.
    /// </summary>
    private static readonly Type[] EntryPoints =
    [
        typeof(SecretsRuntime),
        typeof(SecretsRuntimeOptions),
        typeof(SecretsRuntimeServiceCollectionExtensions),
        typeof(SecretStore),
        typeof(StoreOptions),
        typeof(WorkflowLoader),
        typeof(DotEnvParser),
        typeof(SecretRedactor),
        typeof(RedactingTextWriter),
        typeof(RedactingStream),
        typeof(RedactionLoggerConfigurationExtensions),
        typeof(RedactingSink),
        typeof(RedactingEnricher),
        typeof(ScriptGlobals),
        typeof(ScriptGuard),
    ];

    /// <summary>Namespaces (folders) that hold tooling only: the host reaches none of it, so none of it is public.</summary>
    private static readonly string[] ToolingOnly =
    [
        "Secrets.Runtime.Redaction.Forms",             // the forms registered for a value
        "Secrets.Runtime.Redaction.Views",             // the decoded views of a text
        "Secrets.Runtime.Sandbox.Net",                 // SafeHttp and the allowed hosts
        "Secrets.Runtime.Sandbox.Workers.Protocol",    // the typed pipe between host and worker
        "Secrets.Runtime.Store.Crypto",                // master key, key ring, envelope
        "Secrets.Runtime.Store.Sqlite",                // one backend of the store's rows
        "Secrets.Runtime.Store.Postgres",              // the other
        "Secrets.Runtime.Workflows.Nodes",             // the node registry; a host loads workflows as JSON
        "Secrets.Runtime.Workflows.Nodes.Code",
        "Secrets.Runtime.Workflows.Nodes.Expression",
        "Secrets.Runtime.Workflows.Nodes.Http",
        "Secrets.Runtime.Runs",                        // the run queue: the server and the CLI's worker use it
        "Secrets.Runtime.Queue",                       // src/Queue, a host of this repository, not a library
    ];

    [Fact]
    public void The_public_types_of_the_libraries_are_the_checked_in_list()
    {
        var path = Path.Combine(SourceAssemblies.RepositoryRoot(), "tests", "Conventions.Tests", "public-types.txt");
        var expected = File.ReadAllLines(path).Where(l => l.Length > 0).ToList();

        var actual = Listing(Libraries);

        var added = actual.Except(expected, StringComparer.Ordinal).ToList();
        var removed = expected.Except(actual, StringComparer.Ordinal).ToList();
        Assert.True(added.Count == 0 && removed.Count == 0,
            "the public types differ from tests/Conventions.Tests/public-types.txt. A new public type must be one an embedding host needs "
            + "(docs/ARCHITECTURE.md, Guard-rails); tooling for the CLI, server or queue is internal.\n"
            + "public now, not in the list:\n" + string.Join('\n', added) + "\nin the list, not public now:\n" + string.Join('\n', removed));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Every_public_type_of_the_libraries_is_reachable_from_what_a_host_starts_with()
    {
        var types = Libraries.SelectMany(TypeScan.DeclaredTypes).ToList();

        var unreachable = PublicSurface.Unreachable(types, EntryPoints.Concat(Outcomes(types)));

        Assert.True(unreachable.Count == 0,
            "public types that no host entry point leads to (make them internal, or, if a host needs one, say why in EntryPoints):\n" + string.Join('\n', unreachable));
    }

    [Fact]
    public void No_public_type_lives_in_a_folder_that_holds_tooling_only()
    {
        var types = Libraries.Append(typeof(Secrets.Runtime.Queue.QueueWorkerOptions).Assembly).SelectMany(TypeScan.DeclaredTypes).ToList();

        var offenders = PublicIn(types, ToolingOnly);

        Assert.True(offenders.Count == 0, "public types in a tooling-only namespace (make them internal):\n" + string.Join('\n', offenders));
        Assert.All(ToolingOnly, ns => Assert.Contains(types, t => string.Equals(t.Namespace, ns, StringComparison.Ordinal)));
    }

    [Fact]
    public void The_reachability_scan_flags_a_public_type_no_entry_point_leads_to()
    {
        Type[] types = [typeof(SurfaceSamples.Front), typeof(SurfaceSamples.Answer), typeof(SurfaceSamples.Inner), typeof(SurfaceSamples.Tooling)];

        var unreachable = PublicSurface.Unreachable(types, [typeof(SurfaceSamples.Front)]);

        Assert.Equal([TypeScan.Name(typeof(SurfaceSamples.Tooling))], unreachable);
    }

    [Fact]
    public void The_namespace_scan_flags_a_public_type_in_a_tooling_only_namespace()
    {
        var offenders = PublicIn(BadSamples.Types, [typeof(BadSamples).Namespace!]);

        Assert.Equal(BadSamples.Types.Select(TypeScan.Name).Order(StringComparer.Ordinal), offenders);
    }

    /// <summary>One line per public type, each assembly's block headed by its name and count.</summary>
    private static List<string> Listing(IEnumerable<Assembly> assemblies)
    {
        var lines = new List<string>();
        foreach (var assembly in assemblies)
        {
            var types = PublicSurface.PublicTypes(assembly);
            lines.Add($"# {assembly.GetName().Name}: {types.Count} public types");
            lines.AddRange(types);
        }

        return lines;
    }

    /// <summary>The exceptions and error catalogues among <paramref name="types"/>: what a host catches and compares codes with.</summary>
    private static IEnumerable<Type> Outcomes(IEnumerable<Type> types) =>
        types.Where(t => t.IsVisible && (typeof(Exception).IsAssignableFrom(t) || (t is { IsAbstract: true, IsSealed: true } && t.Name.EndsWith("Errors", StringComparison.Ordinal))));

    private static List<string> PublicIn(IEnumerable<Type> types, IReadOnlyCollection<string> namespaces) =>
        types.Where(t => t.IsVisible && namespaces.Contains(t.Namespace, StringComparer.Ordinal)).Select(TypeScan.Name).Order(StringComparer.Ordinal).ToList();
}
