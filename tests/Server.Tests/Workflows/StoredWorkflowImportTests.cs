using System.Net;
using System.Text.Json.Nodes;

namespace Secrets.Runtime.Server.Tests.Workflows;

/// <summary>Workflows an older version saved as files under <c>HOME/server/workflows</c> move into the store on the first start.</summary>
public sealed class StoredWorkflowImportTests : IDisposable
{
    private readonly ServerFactory _server = new();

    public void Dispose() => _server.Dispose();

    private string Folder => Path.Combine(_server.Home, "server", "workflows");

    /// <summary>A file as the older version wrote it: the StoredWorkflow record with default (PascalCase) names.</summary>
    private void WriteOldFile(string project, string name, string owner, JsonObject workflow)
    {
        Directory.CreateDirectory(Path.Combine(Folder, project));
        var file = new JsonObject
        {
            ["Name"] = name,
            ["Project"] = project,
            ["Owner"] = owner,
            ["CreatedAt"] = "2026-11-30T10:00:00+00:00",
            ["UpdatedAt"] = "2026-12-01T10:00:00+00:00",
            ["UpdatedBy"] = owner,
            ["Workflow"] = workflow,
        };
        File.WriteAllText(Path.Combine(Folder, project, name + ".json"), file.ToJsonString());
    }

    [Fact]
    public async Task Files_of_an_older_version_are_imported_with_their_owner_and_runnable_and_the_folder_is_set_aside()
    {
        var workflow = RunWorkflows.Workflow("alpha", ("n", "40 + 2"));
        workflow["owner"] = "wendy";
        WriteOldFile("alpha", "legacy", "wendy", workflow);

        var admin = _server.ClientFor(_server.AdminToken);
        var read = await (await admin.GetAsync(Api.Url("/api/v1/projects/alpha/workflows/legacy"))).JsonAsync();
        var run = await (await admin.PostJsonAsync("/api/v1/projects/alpha/workflows/legacy/runs?wait=true", new JsonObject())).JsonAsync();

        Assert.Equal("wendy", read.GetProperty("owner").GetString());
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero), read.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        Assert.Equal(42, run.GetProperty("nodes")[0].GetProperty("output").GetInt32());
        Assert.False(Directory.Exists(Folder));
        Assert.True(File.Exists(Path.Combine(_server.Home, "server", "workflows.imported", "alpha", "legacy.json")));
    }

    [Fact]
    public async Task A_file_that_cannot_be_imported_is_named_in_the_log_and_the_folder_stays_for_the_next_start()
    {
        WriteOldFile("alpha", "good", "wendy", RunWorkflows.Workflow("alpha", ("n", "1")));
        var withFile = new JsonObject
        {
            ["name"] = "bad",
            ["project"] = "alpha",
            ["owner"] = "wendy",
            ["nodes"] = new JsonArray(new JsonObject { ["id"] = "c", ["type"] = "code", ["language"] = "csharp", ["file"] = "script.csx" }),
        };
        WriteOldFile("alpha", "bad", "wendy", withFile);

        var admin = _server.ClientFor(_server.AdminToken);

        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(Api.Url("/api/v1/projects/alpha/workflows/good"))).StatusCode);
        await Problems.AssertAsync(await admin.GetAsync(Api.Url("/api/v1/projects/alpha/workflows/bad")), HttpStatusCode.NotFound, "workflow.not_found");
        Assert.True(File.Exists(Path.Combine(Folder, "alpha", "bad.json")));
        Assert.Contains(_server.Logs.Lines, l => l.Contains("alpha/bad.json", StringComparison.Ordinal) && l.Contains("workflow.invalid", StringComparison.Ordinal));
    }
}
