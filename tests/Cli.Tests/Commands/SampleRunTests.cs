using System.Text.Json.Nodes;
using Secrets.Runtime.Cli.Demo;
using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Cli.Tests.Commands;

/// <summary>Runs every sample end to end, as a user would with the CLI, against an echo server on 127.0.0.1.</summary>
public sealed class SampleRunTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    public static TheoryData<int> RunIndexes() => [.. Enumerable.Range(0, SampleCatalog.Runs("http://x").Count)];

    [Theory]
    [MemberData(nameof(RunIndexes))]
    public async Task A_sample_delivers_real_values_to_the_server_and_no_form_of_them_anywhere_else(int index)
    {
        await using var server = EchoServer.Start();
        var runs = SampleCatalog.Runs(server.BaseAddress);
        var values = new List<string>();
        var sent = new List<string>();

        // A run needs the secrets of every earlier run of the same sample (the schedule run reuses the manual one's).
        foreach (var run in runs.Take(index + 1).Where(r => r.Sample == runs[index].Sample))
        {
            foreach (var secret in run.Secrets)
            {
                var value = $"{secret.Prefix}{Guid.NewGuid():N}";
                values.Add(value);
                if (secret.SentToServer)
                {
                    sent.Add(value);
                }

                Assert.Equal(0, (await _cli.PipeAsync(value, secret.SetArguments())).Code);
            }
        }

        var target = runs[index];
        var samples = SampleCatalog.FindSamplesFolder()!;
        var logFile = Path.Combine(_cli.Home, "run.jsonl");
        var (code, output, error) = await _cli.RunAsync("run", Path.Combine(samples, target.Sample, "workflow.json"), "--trigger", target.Trigger, "--user", target.User,
            "--input", target.InputJson, "--log-format", "json", "--log-file", logFile);
        var runId = output.Split("runs show ")[1].Split(' ')[0];
        var record = (await _cli.RunAsync("runs", "show", runId)).Out;
        var list = (await _cli.RunAsync("secret", "list")).Out;

        var received = string.Join("\n", server.Requests.Select(r => r.ToJsonString()));
        var everywhereElse = string.Join("\n", output, error, record, list, File.ReadAllText(logFile), File.ReadAllText(Path.Combine(_cli.Home, "runs", runId + ".json")));
        var forms = values.SelectMany(v => SecretForms.For(v, new RedactionOptions())).ToList();
        Assert.True(code == 0, output + error);
        Assert.Contains("\"status\": \"succeeded\"", record, StringComparison.Ordinal);
        var delivered = target.Sample == "mixed-scopes"
            ? sent.Where(v => !v.StartsWith(target.Trigger == "schedule" ? "ghp_alice_" : "ghp_bob_", StringComparison.Ordinal))
            : sent;
        Assert.All(delivered, v => Assert.Contains(v, received, StringComparison.Ordinal));
        Assert.All(values.Except(sent), v => Assert.DoesNotContain(v, received, StringComparison.Ordinal));
        if (target.Sample == "hmac-webhook")
        {
            // The server gets the payload and a signature it can verify with the key, never the key.
            var request = Assert.Single(server.Requests);
            var body = request["body"]!.GetValue<string>();
            var mac = System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(values[0]), System.Text.Encoding.UTF8.GetBytes(body));
            Assert.Equal("sha256=" + Convert.ToHexString(mac).ToLowerInvariant(), request["headers"]!["X-Signature-256"]!.GetValue<string>());
        }

        Assert.All(forms, f => Assert.DoesNotContain(f, everywhereElse, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_schedule_run_uses_the_owners_personal_secret_and_the_manual_run_the_users()
    {
        await using var server = EchoServer.Start();
        await _cli.PipeAsync("org-openai-123456", "secret", "set", "OPENAI_API_KEY");
        await _cli.PipeAsync("project-db-123456", "secret", "set", "DB_PASSWORD", "--scope", "project", "--project", "reports");
        await _cli.PipeAsync("alice-gh-token-1234", "secret", "set", "GITHUB_TOKEN", "--scope", "personal", "--user", "alice");
        await _cli.PipeAsync("bob-gh-token-123456", "secret", "set", "GITHUB_TOKEN", "--scope", "personal", "--user", "bob");
        var workflow = Path.Combine(SampleCatalog.FindSamplesFolder()!, "mixed-scopes", "workflow.json");
        var input = new JsonObject { ["baseUrl"] = server.BaseAddress }.ToJsonString();

        var manual = await _cli.RunAsync("run", workflow, "--trigger", "manual", "--user", "alice", "--input", input);
        var schedule = await _cli.RunAsync("run", workflow, "--trigger", "schedule", "--user", "alice", "--input", input);

        var requests = server.Requests.ToArray();
        Assert.Equal("alice-gh-token-1234", requests[0]["headers"]!["X-GitHub-Token"]!.GetValue<string>());
        Assert.Equal("bob-gh-token-123456", requests[1]["headers"]!["X-GitHub-Token"]!.GetValue<string>());
        Assert.Contains("GITHUB_TOKEN from personal 'alice'", manual.Out, StringComparison.Ordinal);
        Assert.Contains("GITHUB_TOKEN from personal 'bob'", schedule.Out, StringComparison.Ordinal);
        Assert.Contains("principal bob", schedule.Out, StringComparison.Ordinal);
        var list = await _cli.RunAsync("secret", "list", "--user", "bob");
        Assert.DoesNotContain("never", list.Out.Split('\n').First(l => l.StartsWith("OPENAI_API_KEY", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_secret_fails_the_node_with_its_path_and_the_run_exits_1()
    {
        await using var server = EchoServer.Start();
        var workflow = Path.Combine(SampleCatalog.FindSamplesFolder()!, "bearer-http", "workflow.json");

        var (code, output, _) = await _cli.RunAsync("run", workflow, "--input", new JsonObject { ["baseUrl"] = server.BaseAddress }.ToJsonString());

        Assert.Equal(1, code);
        Assert.Contains("$.nodes[0].expression", output, StringComparison.Ordinal);
        Assert.Contains("ANTHROPIC_API_KEY", output, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task An_invalid_workflow_exits_2_before_anything_runs()
    {
        var file = Path.Combine(_cli.Home, "bad.json");
        File.WriteAllText(file, """{ "name": "w", "project": "p", "owner": "o", "nodes": [ { "id": "a", "type": "shell" } ] }""");

        var (code, _, error) = await _cli.RunAsync("run", file);

        Assert.Equal(2, code);
        Assert.Contains("$.nodes[0].type", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_as_template_replaces_literal_values_and_writes_a_manifest()
    {
        const string value = "sk-literal-0123456789";
        await _cli.PipeAsync(value, "secret", "set", "API_KEY");
        var file = Path.Combine(_cli.Home, "leaky.json");
        File.WriteAllText(file, $$"""{ "name": "leaky", "project": "p", "owner": "o", "nodes": [ { "id": "h", "type": "http", "url": "https://api.example.com/?key={{value}}" } ] }""");

        var (code, output, _) = await _cli.RunAsync("workflow", "export", file, "--template");

        Assert.Equal(0, code);
        var template = File.ReadAllText(Path.Combine(_cli.Home, "leaky.template.json"));
        var manifest = File.ReadAllText(Path.Combine(_cli.Home, "leaky.template.manifest.json"));
        Assert.DoesNotContain(value, template + manifest + output, StringComparison.Ordinal);
        Assert.Contains("{{secrets.API_KEY}}", template, StringComparison.Ordinal);
        Assert.Contains("API_KEY", manifest, StringComparison.Ordinal);
        Assert.Contains("replaced the value of API_KEY at $.nodes[0].url", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redact_masks_stdin_with_the_store_values_or_a_values_file()
    {
        const string value = "redact-me-0123456789";
        await _cli.PipeAsync(value, "secret", "set", "K");
        var valuesFile = Path.Combine(_cli.Home, "values.json");
        File.WriteAllText(valuesFile, """["other-value-98765"]""");
        var text = $"a {value} b {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value))} c other-value-98765";

        var fromStore = await _cli.PipeAsync(text, "redact");
        var fromFile = await _cli.PipeAsync(text, "redact", "--values-json", valuesFile);

        Assert.Equal("a *** b *** c other-value-98765", fromStore.Out);
        Assert.Equal($"a {value} b {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value))} c ***", fromFile.Out);
    }
}
