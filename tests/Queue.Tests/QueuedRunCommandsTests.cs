using System.Text.Json.Nodes;

namespace Secrets.Runtime.Queue.Tests;

/// <summary><c>run FILE --queue</c>, <c>runs show</c> and <c>runs cancel</c> with no worker running.</summary>
public sealed class QueuedRunCommandsTests
{
    [PostgresFact]
    public async Task Run_with_queue_prints_the_id_show_says_queued_and_cancel_cancels_it_at_once()
    {
        await using var db = await QueueDatabase.CreateAsync();
        var file = Path.Combine(db.Home, "workflow.json");
        await File.WriteAllTextAsync(file, """{ "name": "w", "project": "proj", "owner": "alice", "nodes": [ { "id": "e", "type": "expression", "expression": "1 + 1" } ] }""");

        var (code, output, error) = await db.CliAsync("run", file, "--queue", "--user", "alice");
        Assert.True(code == 0, error);
        var runId = output.Split(' ')[1];
        Assert.StartsWith($"run {runId} queued (queue default, principal alice)", output, StringComparison.Ordinal);

        (code, output, _) = await db.CliAsync("runs", "show", runId);
        Assert.Equal(0, code);
        var shown = JsonNode.Parse(output)!;
        Assert.Equal("queued", shown["status"]!.GetValue<string>());
        Assert.Empty(shown["attempts"]!.AsArray());

        (code, output, _) = await db.CliAsync("runs", "cancel", runId);
        Assert.Equal(0, code);
        Assert.Equal($"run {runId} cancelled", output.Trim());
        (_, output, _) = await db.CliAsync("runs", "show", runId);
        Assert.Equal("cancelled", JsonNode.Parse(output)!["status"]!.GetValue<string>());
        Assert.Equal(1, await db.ScalarAsync("SELECT count(*) FROM hangfire.job WHERE statename = 'Deleted'"));
    }

    [PostgresFact]
    public async Task Queue_commands_without_the_shared_database_say_how_to_name_it()
    {
        await using var db = await QueueDatabase.CreateAsync();
        var home = Directory.CreateTempSubdirectory("queue-nodb-").FullName;
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var console = new Cli.CliConsole { In = new StringReader(string.Empty), Out = output, Error = error, IsInputRedirected = true, Environment = new Dictionary<string, string?> { ["SECRETS_RUNTIME_HOME"] = home } };

            var code = await Cli.CliApplication.RunAsync(["worker"], console);

            Assert.Equal(2, code);
            Assert.Equal("error: worker needs the shared PostgreSQL store: pass --database or set SECRETS_RUNTIME_DATABASE", error.ToString().Trim());
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
