using Secrets.Runtime.Sandbox.CSharp;

namespace Secrets.Runtime.Sandbox.Tests.CSharp;

/// <summary>
/// The README's list of allowed APIs is generated from <see cref="ScriptPolicy"/> and must match it. To regenerate it
/// after changing the policy: <c>SECRETS_RUNTIME_UPDATE_README=1 dotnet test tests/Sandbox.Tests --filter ReadmeAllowList</c>,
/// then review and commit the README.
/// </summary>
public sealed class ReadmeAllowListTests
{
    private const string Begin = "<!-- allowed-apis:begin (generated from ScriptPolicy; see tests/Sandbox.Tests/CSharp/ReadmeAllowListTests.cs) -->\n";
    private const string End = "<!-- allowed-apis:end -->";

    [Fact]
    public void The_readme_lists_exactly_the_types_and_refused_members_of_the_policy()
    {
        var readme = Path.Combine(RepositoryRoot(), "README.md");
        var text = File.ReadAllText(readme).ReplaceLineEndings("\n");
        var begin = text.IndexOf(Begin, StringComparison.Ordinal);
        var end = text.IndexOf(End, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, $"README.md has no block between '{Begin.TrimEnd()}' and '{End}'");
        var listed = text[(begin + Begin.Length)..end];
        var generated = ScriptPolicy.AllowListMarkdown();

        if (Environment.GetEnvironmentVariable("SECRETS_RUNTIME_UPDATE_README") == "1" && listed != generated)
        {
            File.WriteAllText(readme, text[..(begin + Begin.Length)] + generated + text[end..]);
            listed = generated;
        }

        Assert.Equal(generated, listed);
    }

    [Fact]
    public void The_generated_list_names_every_allowed_type_and_every_refused_member_of_one()
    {
        var generated = ScriptPolicy.AllowListMarkdown();

        Assert.Contains("- `System.Text.Json`: ", generated, StringComparison.Ordinal);
        Assert.Contains("`JsonSerializer` (not DeserializeAsync, DeserializeAsyncEnumerable, SerializeAsync)", generated, StringComparison.Ordinal);
        Assert.Contains("`TimeZoneInfo` (not ClearCachedData)", generated, StringComparison.Ordinal);
        Assert.Contains("`Environment` (only NewLine)", generated, StringComparison.Ordinal);
        Assert.Contains("`Dictionary<,>`", generated, StringComparison.Ordinal);
        Assert.DoesNotContain("Vector", generated, StringComparison.Ordinal);
        foreach (var type in ScriptPolicy.AllowedTypeNames)
        {
            var ns = type[..type.LastIndexOf('.')];
            var line = generated.Split('\n').Single(l => l.StartsWith($"- `{ns}`: ", StringComparison.Ordinal));
            var name = type[(type.LastIndexOf('.') + 1)..].Split('`')[0];
            Assert.Contains($"`{name}", line, StringComparison.Ordinal);
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "README.md")) && Directory.Exists(Path.Combine(dir.FullName, "src", "Sandbox")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (README.md beside src/Sandbox) was not found above " + AppContext.BaseDirectory);
    }
}
