using System.Text.Json.Nodes;

namespace Secrets.Runtime.Cli.Tests.Commands;

/// <summary>Output made for scripts and people at once: JSON with limits, no needless escapes, one problem per line, hints that work.</summary>
public sealed class ScriptableOutputTests : IDisposable
{
    private const string Value = "val-'quoted'-\"double\"-`tick`-9f8e7d";
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    private string Workflow(string nodes, string name = "w.json")
    {
        var path = Path.Combine(_cli.Home, name);
        File.WriteAllText(path, $$"""{ "name": "w", "project": "p", "owner": "o", "nodes": [ {{nodes}} ] }""");
        return path;
    }

    [Fact]
    public async Task Runs_list_and_audit_take_json_and_limit()
    {
        await _cli.PipeAsync(Value, "secret", "set", "K");
        var workflow = Workflow("""{ "id": "e", "type": "expression", "expression": "secrets.K.length" }""");
        await _cli.RunAsync("run", workflow);
        var last = await _cli.RunAsync("run", workflow);

        var runs = await _cli.RunAsync("runs", "list", "--json", "--limit", "1");
        var audit = await _cli.RunAsync("audit", "--json", "--limit", "2");

        Assert.Equal(0, runs.Code);
        var run = Assert.Single(JsonNode.Parse(runs.Out)!.AsArray());
        Assert.Contains($"run {run!["id"]!.GetValue<string>()} succeeded", last.Out, StringComparison.Ordinal);
        Assert.Equal("succeeded", run["status"]!.GetValue<string>());
        var entries = JsonNode.Parse(audit.Out)!.AsArray();
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.Equal("use", e!["action"]!.GetValue<string>()));
        Assert.DoesNotContain(Value, runs.Out + audit.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_output_has_no_needless_unicode_escapes()
    {
        await _cli.PipeAsync("some-value-1", "secret", "set", "K", "--description", "it's the \"main\" key, see `docs`");

        var (code, output, _) = await _cli.RunAsync("secret", "list", "--json");
        var evaluated = await _cli.RunAsync("eval", "'it\\'s `x` <b>'");

        Assert.Equal(0, code);
        Assert.Contains("\"description\":\"it's the \\\"main\\\" key, see `docs`\"", output, StringComparison.Ordinal);
        Assert.Equal("\"it's `x` <b>\"", evaluated.Out.Trim());
        Assert.DoesNotContain("\\u00", output + evaluated.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validation_problems_come_one_per_line()
    {
        var workflow = Workflow("""{ "id": "a", "type": "nope" }, { "id": "a", "type": "expression", "expression": "nodes.zzz.output" }""");

        var (code, output, error) = await _cli.RunAsync("workflow", "validate", workflow);

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Empty(output);
        var lines = error.TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.True(lines.Count >= 3, error);
        Assert.All(lines[..^1], l => Assert.StartsWith("problem: $", l, StringComparison.Ordinal));
        Assert.StartsWith("error: the workflow is invalid: ", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Follow_up_hints_carry_the_home_the_user_passed_and_work_as_printed()
    {
        var home = Path.Combine(_cli.Home, "other home");
        var workflow = Workflow("""{ "id": "e", "type": "expression", "expression": "1+1" }""");

        var run = await _cli.RunAsync("run", workflow, "--home", home);
        var hint = run.Out.Split("details: ")[1].Split(';')[0];
        var runId = hint.Split(' ')[3];
        var shown = await _cli.RunAsync("runs", "show", runId, "--home", home);

        Assert.Equal(0, run.Code);
        Assert.Equal($"secrets-runtime runs show {runId} --home '{home}'", hint);
        Assert.Equal(0, shown.Code);
        Assert.Contains("\"status\": \"succeeded\"", shown.Out, StringComparison.Ordinal);
    }
}
