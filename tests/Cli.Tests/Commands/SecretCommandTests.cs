namespace Secrets.Runtime.Cli.Tests.Commands;

public sealed class SecretCommandTests : IDisposable
{
    private const string Value = "sk_live_7d1e2f3a4b5c6d";
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Set_reads_the_value_from_stdin_and_never_prints_it()
    {
        var (code, output, error) = await _cli.PipeAsync(Value + "\n", "secret", "set", "stripe_key", "--description", "Stripe");
        var list = await _cli.RunAsync("secret", "list");
        var json = await _cli.RunAsync("secret", "list", "--json");

        Assert.Equal(0, code);
        Assert.Contains("created STRIPE_KEY in organization 'default' (version 1, 22 bytes)", output, StringComparison.Ordinal);
        Assert.Contains("STRIPE_KEY", list.Out, StringComparison.Ordinal);
        Assert.Contains("\"length\":22", json.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(Value, output + error + list.Out + json.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_a_terminal_the_value_comes_from_a_prompt_that_does_not_echo()
    {
        var (code, output, error, prompts) = await _cli.TypeAsync(Value, "secret", "set", "TYPED");
        var noTerminal = await _cli.TypeAsync(null, "secret", "set", "NONE");

        Assert.Equal(0, code);
        Assert.Equal(["value for TYPED (input hidden): "], prompts);
        Assert.DoesNotContain(Value, output + error, StringComparison.Ordinal);
        Assert.Equal(2, noTerminal.Code);
        Assert.Contains("values never go on the command line", noTerminal.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task There_is_no_value_option()
    {
        var (code, _, error) = await _cli.RunAsync("secret", "set", "K", "--value", Value);

        Assert.Equal(2, code);
        Assert.Equal("error: argument 4: there is no --value option: values are read from stdin or a prompt, never from the command line", error.TrimEnd());
        Assert.DoesNotContain(Value, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_name_is_one_line_on_stderr_with_exit_code_2()
    {
        var (code, output, error) = await _cli.PipeAsync("x", "secret", "set", "my-key");

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Equal("error: NAME (argument 3) has an invalid character at position 3; use only A-Z, 0-9 and '_'", error.TrimEnd());
    }

    [Fact]
    public async Task Project_scope_needs_a_project_and_personal_scope_defaults_to_the_user()
    {
        var missing = await _cli.PipeAsync("v", "secret", "set", "K", "--scope", "project");
        var personal = await _cli.PipeAsync("v", "secret", "set", "K", "--scope", "personal", "--user", "ann");
        var other = await _cli.PipeAsync("v", "secret", "set", "K", "--scope", "personal", "--owner", "bob", "--user", "ann");
        var workspace = await _cli.PipeAsync("v", "secret", "set", "K", "--scope", "workspace");

        Assert.Equal((2, "error: --project ID is required with --scope project"), (missing.Code, missing.Err.TrimEnd()));
        Assert.Contains("personal 'ann'", personal.Out, StringComparison.Ordinal);
        Assert.Equal(2, other.Code);
        Assert.Contains("belong to their owner alone", other.Err, StringComparison.Ordinal);
        Assert.Contains("organization 'default'", workspace.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_asks_to_type_the_name_and_refuses_a_mismatch()
    {
        await _cli.PipeAsync(Value, "secret", "set", "K");

        var refused = await _cli.PipeAsync("k\n", "secret", "delete", "K");
        var confirmed = await _cli.PipeAsync("K\n", "secret", "delete", "K");
        var gone = await _cli.RunAsync("secret", "delete", "K", "--yes");

        Assert.Equal(2, refused.Code);
        Assert.Contains("confirmation did not match", refused.Err, StringComparison.Ordinal);
        Assert.Equal(0, confirmed.Code);
        Assert.Equal((2, "error: no secret K in organization 'default'"), (gone.Code, gone.Err.TrimEnd()));
    }

    [Fact]
    public async Task Delete_lists_the_workflows_that_use_the_secret()
    {
        await _cli.PipeAsync(Value, "secret", "set", "K");
        var folder = Path.Combine(_cli.Home, "flows");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "w.json"), """{ "name": "w", "project": "p", "owner": "o", "nodes": [ { "id": "h", "type": "http", "url": "https://x.test/{{K}}" } ] }""");

        var (code, _, error) = await _cli.PipeAsync("K\n", "secret", "delete", "K", "--workflows", folder);

        Assert.Equal(0, code);
        Assert.Contains("used by w", error, StringComparison.Ordinal);
        Assert.Contains("$.nodes[0].url", error, StringComparison.Ordinal);
        Assert.Contains("1 reference(s) will break", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_reports_names_and_lines_and_dry_run_writes_nothing()
    {
        const string env = "A=alpha-value\nexport B=\"beta value\"\nnot a line\n";

        var dry = await _cli.PipeAsync(env, "secret", "import", "-", "--dry-run", "--skip-invalid");
        var empty = await _cli.RunAsync("secret", "list");
        var real = await _cli.PipeAsync(env, "secret", "import", "-", "--skip-invalid");

        Assert.Contains("dry run: organization 'default': 2 would be created", dry.Out, StringComparison.Ordinal);
        Assert.Contains("(none)", empty.Out, StringComparison.Ordinal);
        Assert.Contains("created B (line 2)", real.Out, StringComparison.Ordinal);
        Assert.Contains("line 3: skipped", real.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("alpha-value", dry.Out + real.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_import_lists_every_problem_and_writes_nothing()
    {
        var (code, _, error) = await _cli.PipeAsync("GOOD=1\nFOO.BAR=2\n", "secret", "import", "-");
        var list = await _cli.RunAsync("secret", "list");

        Assert.Equal(2, code);
        Assert.Contains("nothing was written", error, StringComparison.Ordinal);
        Assert.Contains("problem: line 2: secret name 'FOO.BAR' has invalid character '.'", error, StringComparison.Ordinal);
        Assert.Contains("no store in", list.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_rotate_and_audit_show_changes_without_values()
    {
        await _cli.PipeAsync(Value, "secret", "set", "K");

        var rotate = await _cli.RunAsync("key", "rotate");
        var audit = await _cli.RunAsync("audit", "--since", "1h");
        var bad = await _cli.RunAsync("audit", "--since", "yesterday-ish");

        Assert.Contains("new active key k2-", rotate.Out, StringComparison.Ordinal);
        Assert.Contains("create", audit.Out, StringComparison.Ordinal);
        Assert.Contains("1 data keys re-wrapped", audit.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(Value, audit.Out, StringComparison.Ordinal);
        Assert.Equal(2, bad.Code);
    }

    [Fact]
    public async Task Usages_lists_every_reference_with_its_path()
    {
        var folder = Path.Combine(_cli.Home, "flows");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "w.json"), """{ "name": "w", "project": "p", "owner": "o", "nodes": [ { "id": "e", "type": "expression", "expression": "secrets.K" } ] }""");

        var (code, output, _) = await _cli.RunAsync("secret", "usages", "k", "--workflows", folder);

        Assert.Equal(0, code);
        Assert.Contains("$.nodes[0].expression", output, StringComparison.Ordinal);
        Assert.Contains("JavaScript", output, StringComparison.Ordinal);
    }
}
