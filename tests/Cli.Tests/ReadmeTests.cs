using System.CommandLine;
using System.Text.RegularExpressions;

namespace Secrets.Runtime.Cli.Tests;

/// <summary>
/// The README is the CLI's manual: every option <c>--help</c> shows is documented beside its command, and no document
/// names a repository file that is not there.
/// </summary>
public sealed partial class ReadmeTests
{
    /// <summary>Lines after a line naming a command that may still describe it (a usage line wrapped in the README).</summary>
    private const int Continuation = 2;

    [Fact]
    public void Every_option_help_shows_is_documented_beside_its_command()
    {
        var readme = File.ReadAllLines(Path.Combine(RepositoryRoot(), "README.md"));
        var root = CliApplication.CreateRoot(new CliContext(new CliConsole { In = TextReader.Null, Out = TextWriter.Null, Error = TextWriter.Null }));
        var missing = new List<string>();

        foreach (var global in root.Options.Where(o => o.Recursive))
        {
            if (!readme.Any(line => line.Contains(global.Name, StringComparison.Ordinal)))
            {
                missing.Add($"global option {global.Name}");
            }
        }

        var commands = 0;
        foreach (var (path, command) in Walk(root, string.Empty))
        {
            commands++;
            var near = Near(readme, path);
            if (near.Length == 0)
            {
                missing.Add($"command `{path}`");
                continue;
            }

            foreach (var option in command.Options.Where(o => !o.Recursive && o.Name is not ("--help" or "--version")))
            {
                if (!Regex.IsMatch(near, Regex.Escape(option.Name) + "(?![a-z-])"))
                {
                    missing.Add($"{option.Name} of `{path}`");
                }
            }
        }

        Assert.True(commands > 30, "the walk reached too few commands to mean anything");
        Assert.True(missing.Count == 0, "not in the README: " + string.Join(", ", missing));
    }

    [Fact]
    public void The_walk_sees_an_option_the_readme_does_not_document()
    {
        var readme = File.ReadAllLines(Path.Combine(RepositoryRoot(), "README.md"));

        Assert.Contains("--skip-invalid", Near(readme, "secret import"), StringComparison.Ordinal);
        Assert.DoesNotContain("--no-such-option", Near(readme, "secret import"), StringComparison.Ordinal);
        Assert.Empty(Near(readme, "secret no-such-command"));
    }

    [Theory]
    [InlineData("README.md")]
    [InlineData("docs/ARCHITECTURE.md")]
    [InlineData("docs/PERFORMANCE-HISTORY.md")]
    [InlineData("samples/README.md")]
    public void Every_repository_file_a_document_names_exists(string document)
    {
        var root = RepositoryRoot();
        var text = File.ReadAllText(Path.Combine(root, document));
        var named = RepositoryPath().Matches(text).Select(m => m.Groups["path"].Value.TrimEnd('/')).Distinct(StringComparer.Ordinal).ToList();
        var markdown = MarkdownFile().Matches(text).Select(m => m.Groups["file"].Value).Distinct(StringComparer.Ordinal).ToList();

        var missing = named.Where(p => !File.Exists(Path.Combine(root, p)) && !Directory.Exists(Path.Combine(root, p)))
            .Concat(markdown.Where(f => !File.Exists(Path.Combine(root, f)) && !File.Exists(Path.Combine(root, Path.GetDirectoryName(document)!, f))))
            .ToList();

        Assert.True(missing.Count == 0, $"{document} names files that are not in the repository: {string.Join(", ", missing)}");
    }

    /// <summary>The README lines that name <paramref name="path"/> as a command, each with its continuation lines.</summary>
    private static string Near(string[] readme, string path)
    {
        var lines = new List<string>();
        for (var i = 0; i < readme.Length; i++)
        {
            if (readme[i].Contains('`' + path, StringComparison.Ordinal) || readme[i].Contains("secrets-runtime " + path, StringComparison.Ordinal))
            {
                lines.AddRange(readme.Skip(i).Take(1 + Continuation));
            }
        }

        return string.Join('\n', lines);
    }

    private static IEnumerable<(string Path, Command Command)> Walk(Command command, string prefix)
    {
        foreach (var sub in command.Subcommands)
        {
            var path = prefix.Length == 0 ? sub.Name : prefix + " " + sub.Name;
            yield return (path, sub);
            foreach (var nested in Walk(sub, path))
            {
                yield return nested;
            }
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Secrets.Runtime.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("the repository root (Secrets.Runtime.sln) is not above the test's folder");
    }

    /// <summary>A path into the repository written as code: <c>`src/Cli`</c>, <c>`eng/pg-test-server`</c>.</summary>
    [GeneratedRegex(@"`(?<path>(?:src|tests|samples|eng|bench|docs|tools|\.ci)/[^`\s*{}]*)`")]
    private static partial Regex RepositoryPath();

    /// <summary>A Markdown file named anywhere (<c>DESIGN.md</c>, <c>docs/ARCHITECTURE.md</c>).</summary>
    [GeneratedRegex(@"(?<![\w/.-])(?<file>[\w./-]*[A-Z][\w-]*\.md)\b")]
    private static partial Regex MarkdownFile();
}
