namespace Secrets.Runtime.Cli.Tests.Commands;

/// <summary><c>workflow validate</c> finds what a run would: code that does not compile or breaks the policy, and secrets no scope holds.</summary>
public sealed class WorkflowDeepValidationTests : IDisposable
{
    private const string Value = "deep-value-3c2b1a0f";
    private readonly CliRun _cli = new();

    public WorkflowDeepValidationTests()
    {
        // Compiling needs the compile worker, not a sandbox for running; keep the test independent of bubblewrap.
        _cli.Environment["SECRETS_RUNTIME_ISOLATION"] = "process";
    }

    public void Dispose() => _cli.Dispose();

    private string Workflow(string nodes)
    {
        var path = Path.Combine(_cli.Home, $"w{Guid.NewGuid():N}.json");
        File.WriteAllText(path, $$"""{ "name": "w", "project": "web", "owner": "o", "nodes": [ {{nodes}} ] }""");
        return path;
    }

    [Fact]
    public async Task Code_that_does_not_compile_or_breaks_the_policy_is_reported_with_node_line_and_column()
    {
        var workflow = Workflow("""
            { "id": "ok", "type": "code", "language": "csharp", "source": "return 1;" },
            { "id": "broken", "type": "code", "language": "csharp", "source": "var x = 1;\nreturn nosuch;" },
            { "id": "reader", "type": "code", "language": "csharp", "source": "return System.IO.File.ReadAllText(\"/etc/hostname\");" }
            """);

        var (code, output, error) = await _cli.RunAsync("workflow", "validate", workflow);

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Empty(output);
        Assert.Contains("problem: $.nodes[1].source: node broken, line 2, column 8: CS0103: ", error, StringComparison.Ordinal);
        Assert.Contains("problem: $.nodes[2].source: node reader, line 1, column ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("nodes[0]", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_secrets_reports_a_reference_that_no_usable_scope_holds()
    {
        await _cli.PipeAsync(Value, "secret", "set", "HELD", "--scope", "project", "--project", "web");
        await _cli.PipeAsync(Value, "secret", "set", "ELSEWHERE", "--scope", "project", "--project", "other");
        var workflow = Workflow("""{ "id": "e", "type": "expression", "expression": "secrets.HELD + secrets.ELSEWHERE + secrets.NOWHERE" }""");

        var (code, output, error) = await _cli.RunAsync("workflow", "validate", workflow, "--check-secrets");
        var without = await _cli.RunAsync("workflow", "validate", workflow);

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Empty(output);
        Assert.Contains("problem: $.nodes[0].expression: secret ELSEWHERE is in no scope a run can use", error, StringComparison.Ordinal);
        Assert.Contains("problem: $.nodes[0].expression: secret NOWHERE is in no scope a run can use", error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret HELD", error, StringComparison.Ordinal);
        Assert.Equal(0, without.Code);
        Assert.Contains("w: valid, 1 node(s), 0 code node(s) compiled; secrets referenced: ELSEWHERE, HELD, NOWHERE", without.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(Value, error + output + without.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_with_output_dash_writes_the_template_to_stdout_and_no_file()
    {
        await _cli.PipeAsync(Value, "secret", "set", "API_KEY");
        var workflow = Workflow($$"""{ "id": "h", "type": "http", "url": "https://api.example.test/x", "headers": { "Authorization": "Bearer {{Value}}" } }""");

        var (code, output, error) = await _cli.RunAsync("workflow", "export", workflow, "--output", "-");

        Assert.Equal(0, code);
        Assert.Contains("Bearer {{secrets.API_KEY}}", output, StringComparison.Ordinal);
        Assert.Contains("replaced the value of API_KEY", error, StringComparison.Ordinal);
        Assert.False(File.Exists("-"));
        Assert.False(File.Exists(Path.ChangeExtension(workflow, ".template.json")));
        Assert.DoesNotContain(Value, output + error, StringComparison.Ordinal);
    }
}
