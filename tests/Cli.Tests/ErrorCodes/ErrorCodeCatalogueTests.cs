using System.Reflection;
using System.Text.RegularExpressions;
using Secrets.Runtime.Hosting;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Sandbox;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Cli.Tests.ErrorCodes;

/// <summary>
/// Every error code comes from one catalogue per area (a static <c>…Errors</c> class); the full list is checked in
/// (<c>error-codes.txt</c>), so adding, renaming or dropping a code is a visible change of the contract.
/// </summary>
public sealed partial class ErrorCodeCatalogueTests
{
    private static readonly Assembly[] Assemblies =
        [typeof(SecretsRuntimeException).Assembly, typeof(LimitKind).Assembly, typeof(StoreErrors).Assembly, typeof(HostingErrors).Assembly, typeof(CliErrors).Assembly, typeof(Secrets.Runtime.Server.Problems.ApiErrors).Assembly];

    [Fact]
    public void The_catalogues_hold_exactly_the_checked_in_codes()
    {
        var snapshot = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "ErrorCodes", "error-codes.txt")).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

        var codes = CataloguedCodes();

        Assert.True(snapshot.SequenceEqual(codes),
            "the error codes changed; if on purpose, write this list to tests/Cli.Tests/ErrorCodes/error-codes.txt:\n" + string.Join('\n', codes));
    }

    [Fact]
    public void Every_code_is_dotted_lower_case_and_unique()
    {
        var codes = CataloguedCodes();

        Assert.All(codes, c => Assert.Matches(CodeShape(), c));
        Assert.Equal(codes.Count, codes.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void No_source_file_outside_a_catalogue_spells_an_error_code()
    {
        var codes = CataloguedCodes().ToHashSet(StringComparer.Ordinal);
        var prefixes = CataloguePrefixes();
        var offenders = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryRoot(), "src"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains("/obj/", StringComparison.Ordinal) || file.Contains("/bin/", StringComparison.Ordinal) || Path.GetFileName(file).EndsWith("Errors.cs", StringComparison.Ordinal))
            {
                continue;
            }

            var text = File.ReadAllText(file);
            offenders.AddRange(StringLiteral().Matches(text).Select(m => m.Groups[1].Value)
                .Where(l => codes.Contains(l) || prefixes.Any(p => l.StartsWith(p, StringComparison.Ordinal)))
                .Select(l => $"{Path.GetFileName(file)}: \"{l}\""));
            offenders.AddRange(CodeArgument().Matches(text).Select(m => $"{Path.GetFileName(file)}: {m.Value}"));
        }

        Assert.True(offenders.Count == 0, "error codes spelled outside their catalogue:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void The_source_scan_finds_a_code_spelled_in_place()
    {
        Assert.Matches(CodeArgument(), "throw new StoreException(\"store.not_found\", ErrorKind.NotFound, message);");
        Assert.Matches(CodeArgument(), "throw new NodeFailedException(node.Id, \"http.host_denied\", ErrorKind.Refused, message);");
        Assert.DoesNotMatch(CodeArgument(), "throw StoreErrors.NotFound(message);");
    }

    /// <summary>Every code of every catalogue: its constants, and a limit code for each <see cref="LimitKind"/> its area can breach.</summary>
    internal static List<string> CataloguedCodes()
    {
        var codes = new List<string>();
        foreach (var catalogue in Catalogues())
        {
            codes.AddRange(catalogue.GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => f.IsLiteral && f.FieldType == typeof(string) && f.Name.EndsWith("Code", StringComparison.Ordinal))
                .Select(f => (string)f.GetRawConstantValue()!));
            if (catalogue.GetMethod("LimitCode", BindingFlags.Public | BindingFlags.Static) is { } limitCode
                && catalogue.GetProperty("Limits", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is IReadOnlyList<LimitKind> limits)
            {
                codes.AddRange(limits.Select(k => (string)limitCode.Invoke(null, [k])!));
            }
        }

        return codes.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The static <c>…Errors</c> classes, internal ones too (QueueErrors: the queue is tooling of the server and the worker).</summary>
    private static IEnumerable<Type> Catalogues() =>
        Assemblies.Distinct().SelectMany(a => a.GetTypes()).Where(t => t is { IsAbstract: true, IsSealed: true } && t.Name.EndsWith("Errors", StringComparison.Ordinal));

    private static List<string> CataloguePrefixes() =>
        Catalogues().SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Where(f => f.IsLiteral && f.Name == "LimitCodePrefix").Select(f => (string)f.GetRawConstantValue()!).ToList();

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Secrets.Runtime.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("the repository root (Secrets.Runtime.sln) is not above the test's folder");
    }

    [GeneratedRegex("^[a-z]+(\\.[a-z0-9_]+)+$")]
    private static partial Regex CodeShape();

    [GeneratedRegex("\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex StringLiteral();

    /// <summary>A dotted lower-case literal handed to an exception's constructor, after at most one argument (a node id).</summary>
    [GeneratedRegex("Exception\\((?:[\\w.]+, )?\"[a-z]+\\.[a-z0-9_.]+\"")]
    private static partial Regex CodeArgument();
}
