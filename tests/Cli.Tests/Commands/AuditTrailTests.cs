using System.Text.Json.Nodes;

namespace Secrets.Runtime.Cli.Tests.Commands;

/// <summary>Everything that decrypts leaves a <c>use</c> entry (names only), and <c>--user</c> is recorded as who really acted.</summary>
public sealed class AuditTrailTests : IDisposable
{
    private const string Value = "audit-value-5e4d3c2b1a";
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    private async Task<JsonArray> UsesAsync()
    {
        var audit = await _cli.RunAsync("audit", "--json");
        Assert.DoesNotContain(Value, audit.Out, StringComparison.Ordinal);
        return new JsonArray(JsonNode.Parse(audit.Out)!.AsArray().Where(e => e!["action"]!.GetValue<string>() == "use").Select(e => e!.DeepClone()).ToArray());
    }

    [Fact]
    public async Task Eval_with_a_store_secret_writes_a_use_entry()
    {
        await _cli.PipeAsync(Value, "secret", "set", "K");

        var (code, output, _) = await _cli.RunAsync("eval", "secrets.K.length");
        var use = Assert.Single(await UsesAsync());

        Assert.Equal((0, "22"), (code, output.Trim()));
        Assert.Equal(("K", "eval"), (use!["name"]!.GetValue<string>(), use["detail"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Redact_with_store_values_writes_a_use_entry_per_secret()
    {
        await _cli.PipeAsync(Value, "secret", "set", "K");
        await _cli.PipeAsync("second-value-77", "secret", "set", "L");

        var (code, output, _) = await _cli.PipeAsync($"a {Value} b", "redact");
        var uses = await UsesAsync();

        Assert.Equal((0, "a *** b"), (code, output.TrimEnd()));
        Assert.Equal(["K", "L"], uses.Select(u => u!["name"]!.GetValue<string>()).Order());
        Assert.All(uses, u => Assert.Equal("redact", u!["detail"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Exec_writes_a_use_entry_and_its_run_id_is_one_runs_show_knows()
    {
        await _cli.PipeAsync(Value, "secret", "set", "K");
        var script = Path.Combine(_cli.Home, "s.csx");
        File.WriteAllText(script, "return context.Secrets[\"Key\"].Length;");

        var (code, output, error) = await _cli.RunAsync("exec", script, "--credential", "Key=K");
        var runId = error.Split("run ")[1].Split(';')[0];
        var shown = await _cli.RunAsync("runs", "show", runId);
        var use = Assert.Single(await UsesAsync());

        Assert.True(code == 0, error);
        Assert.Equal("22", output.Trim());
        Assert.Equal(0, shown.Code);
        Assert.Equal($"run {runId} node exec", use!["detail"]!.GetValue<string>());
        Assert.DoesNotContain(Value, output + error + shown.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_user_the_audit_records_the_os_user_acting_as_the_named_user()
    {
        await _cli.PipeAsync(Value, "secret", "set", "K", "--scope", "personal", "--user", "alice");
        await _cli.RunAsync("eval", "secrets.K.length", "--user", "alice");

        var audit = await _cli.RunAsync("audit", "--json");
        var actors = JsonNode.Parse(audit.Out)!.AsArray().Select(e => e!["actor"]!.GetValue<string>()).Distinct().ToList();

        var expected = Environment.UserName == "alice" ? "alice" : $"{Environment.UserName} as alice";
        Assert.Equal([expected], actors);
    }
}
