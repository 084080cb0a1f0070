using System.Collections.Immutable;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Secrets.Runtime.Conventions.Tests.Scans;

namespace Secrets.Runtime.Conventions.Tests;

/// <summary>
/// The banned-API lists in eng/banned (wired into every src project by Directory.Build.props) fire on each symbol
/// they name: a snippet is compiled with the real BannedApiAnalyzers and each list, and every line marked banned
/// must be reported as RS0030 while the allowed lines are not.
/// </summary>
public sealed class BannedApiTests
{
    public static TheoryData<string, string> Snippets { get; } = new()
    {
        {
            "BannedSymbols.Time.txt",
            """
            _ = System.DateTime.Now; // banned
            _ = System.DateTime.UtcNow; // banned
            _ = System.DateTime.Today; // banned
            _ = System.DateTimeOffset.Now; // banned
            _ = System.DateTimeOffset.UtcNow; // banned
            _ = System.TimeProvider.System.GetUtcNow(); // allowed
            """
        },
        {
            "BannedSymbols.Environment.txt",
            """
            _ = System.Environment.GetEnvironmentVariable("PATH"); // banned
            _ = System.Environment.GetEnvironmentVariable("PATH", System.EnvironmentVariableTarget.Process); // banned
            _ = System.Environment.GetEnvironmentVariables(); // banned
            _ = System.Environment.GetEnvironmentVariables(System.EnvironmentVariableTarget.Process); // banned
            System.Environment.SetEnvironmentVariable("A", "b"); // banned
            System.Environment.SetEnvironmentVariable("A", "b", System.EnvironmentVariableTarget.Process); // banned
            _ = System.Environment.ProcessorCount; // allowed
            """
        },
        {
            "BannedSymbols.Process.txt",
            """
            var a = new System.Diagnostics.ProcessStartInfo(); // banned
            var b = new System.Diagnostics.ProcessStartInfo("x"); // banned
            var c = new System.Diagnostics.ProcessStartInfo("x", "y"); // banned
            var d = new System.Diagnostics.ProcessStartInfo("x", new[] { "y" }); // banned
            System.Diagnostics.Process.Start(a); // banned
            System.Diagnostics.Process.Start("x"); // banned
            System.Diagnostics.Process.Start("x", "y"); // banned
            System.Diagnostics.Process.Start("x", new[] { "y" }); // banned
            _ = System.Diagnostics.Process.GetCurrentProcess(); // allowed
            """
        },
    };

    [Theory]
    [MemberData(nameof(Snippets))]
    public async Task Each_line_of_a_banned_list_fires_on_its_symbol_and_on_nothing_else(string list, string statements)
    {
        ArgumentNullException.ThrowIfNull(statements);
        var lines = statements.Split('\n');
        var bannedText = File.ReadAllText(Path.Combine(SourceAssemblies.RepositoryRoot(), "eng", "banned", list));
        var symbols = bannedText.Split('\n').Count(l => l.Length > 0 && !l.StartsWith('#'));

        var flagged = await FlaggedLinesAsync(statements, list, bannedText);

        var expected = lines.Select((line, index) => (line, index)).Where(l => l.line.EndsWith("// banned", StringComparison.Ordinal)).Select(l => l.index).ToList();
        Assert.Equal(expected, flagged);
        Assert.Equal(symbols, expected.Count);
    }

    [Fact]
    public async Task Without_the_list_nothing_is_flagged()
    {
        var flagged = await FlaggedLinesAsync("_ = System.DateTime.UtcNow;", "BannedSymbols.Empty.txt", string.Empty);

        Assert.Empty(flagged);
    }

    [Fact]
    public void Only_the_front_doors_opt_out_of_a_banned_list()
    {
        var root = Path.Combine(SourceAssemblies.RepositoryRoot(), "src");
        var projects = Directory.EnumerateFiles(root, "*.csproj", SearchOption.AllDirectories).Where(p => !p.Contains("/obj/", StringComparison.Ordinal)).ToList();

        var environment = projects.Where(p => File.ReadAllText(p).Contains("<AllowEnvironmentVariables>true", StringComparison.Ordinal)).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        var processes = projects.Where(p => File.ReadAllText(p).Contains("<AllowProcessStart>true", StringComparison.Ordinal)).Select(Path.GetFileName);

        Assert.Equal(["Secrets.Runtime.Cli.csproj", "Secrets.Runtime.Sandbox.WorkerHost.csproj"], environment);
        Assert.Empty(processes);
    }

    [Fact]
    public void The_ban_is_switched_off_in_source_only_in_the_workers_and_hosting()
    {
        var root = Path.Combine(SourceAssemblies.RepositoryRoot(), "src");

        var files = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && File.ReadAllText(f).Contains("RS0030", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(root, f))
            .Order(StringComparer.Ordinal);

        Assert.Equal(["Runtime/Hosting/SecretsRuntimeOptions.cs", "Sandbox/Workers/WorkerLauncher.cs", "Sandbox/Workers/WorkerProcess.cs"], files);
    }

    private static async Task<List<int>> FlaggedLinesAsync(string statements, string listName, string listText)
    {
        var source = "class Snippet\n{\nvoid Run()\n{\n" + statements + "\n}\n}\n";
        const int firstStatementLine = 4;
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("Snippet", [CSharpSyntaxTree.ParseText(source)], references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

        var options = new AnalyzerOptions([new InMemoryText("/eng/banned/" + listName, listText)]);
        var diagnostics = await compilation.WithAnalyzers(Analyzers(), options).GetAnalyzerDiagnosticsAsync();

        return diagnostics.Where(d => d.Id == "RS0030").Select(d => d.Location.GetLineSpan().StartLinePosition.Line - firstStatementLine).Distinct().Order().ToList();
    }

    private static ImmutableArray<DiagnosticAnalyzer> Analyzers()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "BannedApiAnalyzers");
        var analyzers = Directory.EnumerateFiles(folder, "*.dll")
            .Select(Assembly.LoadFrom)
            .SelectMany(LoadableTypes)
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t)
                && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is { } attribute && attribute.Languages.Contains(LanguageNames.CSharp))
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
        Assert.NotEmpty(analyzers);
        return analyzers;
    }

    /// <summary>The analyzers' types; the code-fix types need Roslyn's Workspaces, which this test does not load.</summary>
    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            return ex.Types.OfType<Type>();
        }
    }

    private sealed class InMemoryText(string path, string text) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text, Encoding.UTF8);
    }
}
