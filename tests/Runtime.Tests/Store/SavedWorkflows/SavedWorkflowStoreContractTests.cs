using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Access;
using Secrets.Runtime.Store.SavedWorkflows;
using Secrets.Runtime.Workflows.Definition;

namespace Secrets.Runtime.Tests.Store.SavedWorkflows;

/// <summary>Workflows saved in the store, run unchanged against each backend. Raw SQL is what an attacker with database access would read or write.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public abstract class SavedWorkflowStoreContractTests : IDisposable
{
    private static readonly Principal Wendy = new("wendy", [new RoleGrant(SecretScope.Project, "alpha", SecretRole.Writer)]);
    private static readonly Principal Walt = new("walt", [new RoleGrant(SecretScope.Project, "alpha", SecretRole.Writer)]);
    private static readonly Principal Rita = new("rita", [new RoleGrant(SecretScope.Project, "alpha", SecretRole.Reader)]);
    private static readonly Principal Ada = new("ada", [new RoleGrant(SecretScope.Project, "alpha", SecretRole.Admin)]);
    private static readonly Principal Bob = new("bob", [new RoleGrant(SecretScope.Project, "beta", SecretRole.Admin)]);

    private readonly StoreFixture _fixture;

    private protected SavedWorkflowStoreContractTests(StoreBackend backend) => _fixture = new StoreFixture(backend);

    public void Dispose()
    {
        _fixture.Dispose();
        GC.SuppressFinalize(this);
    }

    private static string Document(string expression = "1 + 1", string project = "alpha", string owner = "someone-else") => new JsonObject
    {
        ["name"] = "any",
        ["project"] = project,
        ["owner"] = owner,
        ["nodes"] = new JsonArray(new JsonObject { ["id"] = "n", ["type"] = "expression", ["expression"] = expression }),
    }.ToJsonString();

    [StoreFact]
    public async Task The_first_saver_owns_a_workflow_and_later_saves_keep_the_owner_and_raise_the_version()
    {
        using var store = await _fixture.OpenAsync();

        var first = await store.Workflows.SaveAsync(Wendy, "alpha", "daily", Document("1"));
        var second = await store.Workflows.SaveAsync(Ada, "alpha", "daily", Document("2"));

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal("wendy", second.Workflow.Owner);
        Assert.Equal("ada", second.Workflow.UpdatedBy);
        Assert.Equal(2, second.Workflow.Version);
        Assert.NotEqual(first.Workflow.ETag, second.Workflow.ETag);
        var read = await store.Workflows.GetAsync(Rita, "alpha", "daily");
        Assert.Equal("wendy", read!.Owner);
        Assert.Equal(first.Workflow.CreatedAt, read.CreatedAt);
        Assert.Equal("2", (string?)JsonNode.Parse(read.Document)!["nodes"]![0]!["expression"]);
    }

    [StoreFact]
    public async Task Concurrent_first_saves_from_several_hosts_make_exactly_one_owner()
    {
        var stores = new List<SecretStore>();
        for (var i = 0; i < 4; i++)
        {
            stores.Add(await _fixture.OpenAsync());
        }

        try
        {
            var savers = Enumerable.Range(0, 8).Select(i => new Principal("user" + i, [new RoleGrant(SecretScope.Project, "alpha", SecretRole.Writer)])).ToList();
            var saves = await Task.WhenAll(savers.Select((p, i) => stores[i % stores.Count].Workflows.SaveAsync(p, "alpha", "race", Document())));

            var creator = Assert.Single(saves, s => s.Created);
            var stored = await stores[0].Workflows.GetAsync(Ada, "alpha", "race");
            Assert.Equal(creator.Workflow.Owner, stored!.Owner);
            Assert.Equal(8, stored.Version);
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [StoreFact]
    public async Task A_stale_etag_refuses_the_save_and_the_delete_and_changes_nothing()
    {
        using var store = await _fixture.OpenAsync();
        var first = await store.Workflows.SaveAsync(Wendy, "alpha", "w", Document("1"));
        var second = await store.Workflows.SaveAsync(Wendy, "alpha", "w", Document("2"), ifMatch: first.Workflow.ETag);

        var staleSave = await Assert.ThrowsAsync<StoreException>(() => store.Workflows.SaveAsync(Wendy, "alpha", "w", Document("3"), ifMatch: first.Workflow.ETag));
        var staleDelete = await Assert.ThrowsAsync<StoreException>(() => store.Workflows.DeleteAsync(Wendy, "alpha", "w", ifMatch: first.Workflow.ETag));
        var garbage = await Assert.ThrowsAsync<StoreException>(() => store.Workflows.SaveAsync(Wendy, "alpha", "w", Document("3"), ifMatch: "\"7.7\""));
        var missing = await Assert.ThrowsAsync<StoreException>(() => store.Workflows.SaveAsync(Wendy, "alpha", "nothing", Document(), ifMatch: "*"));

        Assert.All(new[] { staleSave, staleDelete, garbage, missing }, e => Assert.Equal(StoreErrors.PreconditionFailedCode, e.Code));
        Assert.Contains(second.Workflow.ETag, staleSave.Message, StringComparison.Ordinal);
        var now = await store.Workflows.GetAsync(Wendy, "alpha", "w");
        Assert.Equal(2, now!.Version);
        Assert.Null(await store.Workflows.GetAsync(Wendy, "alpha", "nothing"));
        await store.Workflows.DeleteAsync(Wendy, "alpha", "w", ifMatch: second.Workflow.ETag);
        Assert.Null(await store.Workflows.GetAsync(Wendy, "alpha", "w"));
    }

    [StoreFact]
    public async Task A_create_only_save_refuses_an_existing_workflow()
    {
        using var store = await _fixture.OpenAsync();
        Assert.True((await store.Workflows.SaveAsync(Wendy, "alpha", "once", Document("1"), createOnly: true)).Created);

        var again = await Assert.ThrowsAsync<StoreException>(() => store.Workflows.SaveAsync(Walt, "alpha", "once", Document("2"), createOnly: true));

        Assert.Equal(StoreErrors.AlreadyExistsCode, again.Code);
        Assert.Equal(1, (await store.Workflows.GetAsync(Wendy, "alpha", "once"))!.Version);
    }

    [StoreFact]
    public async Task Project_roles_decide_who_saves_reads_and_deletes()
    {
        using var store = await _fixture.OpenAsync();
        await store.Workflows.SaveAsync(Wendy, "alpha", "w", Document());

        var readerSaves = await Assert.ThrowsAsync<StoreException>(() => store.Workflows.SaveAsync(Rita, "alpha", "w", Document("9")));
        var writerDeletesOthers = await Assert.ThrowsAsync<StoreException>(() => store.Workflows.DeleteAsync(Walt, "alpha", "w"));
        Assert.All(new[] { readerSaves, writerDeletesOthers }, e => Assert.Equal(ErrorKind.PermissionDenied, e.Kind));
        Assert.Equal(1, (await store.Workflows.GetAsync(Rita, "alpha", "w"))!.Version);

        await store.Workflows.DeleteAsync(Wendy, "alpha", "w");
        await store.Workflows.SaveAsync(Walt, "alpha", "w", Document());
        await store.Workflows.DeleteAsync(Ada, "alpha", "w");
        Assert.Null(await store.Workflows.GetAsync(Rita, "alpha", "w"));
        var gone = await Assert.ThrowsAsync<StoreException>(() => store.Workflows.DeleteAsync(Ada, "alpha", "w"));
        Assert.Equal(StoreErrors.NotFoundCode, gone.Code);
    }

    [StoreFact]
    public async Task A_workflow_of_another_project_is_neither_read_listed_saved_nor_deleted()
    {
        using var store = await _fixture.OpenAsync();
        await store.Workflows.SaveAsync(Bob, "beta", "secret-plan", Document(project: "beta"));
        await store.Workflows.SaveAsync(Wendy, "alpha", "mine", Document());

        var read = await Assert.ThrowsAsync<StoreException>(() => store.Workflows.GetAsync(Ada, "beta", "secret-plan"));
        var overwrite = await Assert.ThrowsAsync<StoreException>(() => store.Workflows.SaveAsync(Ada, "beta", "secret-plan", Document(project: "beta")));
        var delete = await Assert.ThrowsAsync<StoreException>(() => store.Workflows.DeleteAsync(Ada, "beta", "secret-plan"));
        var listed = await store.Workflows.ListAsync(Ada);

        Assert.All(new[] { read, overwrite, delete }, e => Assert.Equal(ErrorKind.PermissionDenied, e.Kind));
        Assert.Equal(["mine"], listed.Select(w => w.Name));
        Assert.Equal("bob", (await store.Workflows.GetAsync(Bob, "beta", "secret-plan"))!.Owner);
        Assert.Equal(1, (await store.Workflows.GetAsync(Bob, "beta", "secret-plan"))!.Version);
    }

    [StoreFact]
    public async Task The_document_is_saved_under_its_path_address_whatever_it_names_itself()
    {
        using var store = await _fixture.OpenAsync();

        var saved = await store.Workflows.SaveAsync(Wendy, "alpha", "real", Document(project: "beta", owner: "mallory"));

        var raw = JsonNode.Parse(await _fixture.ScalarAsync("SELECT document FROM saved_workflows WHERE project = 'alpha' AND name = 'real'"))!;
        Assert.Equal("alpha", (string?)raw["project"]);
        Assert.Equal("real", (string?)raw["name"]);
        Assert.Null(raw["owner"]);
        Assert.Equal("wendy", (string?)SavedWorkflowStore.Document(saved.Workflow)["owner"]);
        Assert.Equal("0", await _fixture.ScalarAsync("SELECT COUNT(*) FROM saved_workflows WHERE project = 'beta'"));
    }

    [StoreFact]
    public async Task Path_like_project_and_workflow_names_are_refused_before_any_row_is_touched()
    {
        using var store = await _fixture.OpenAsync();
        var admin = StoreFixture.Admin;
        string[] names = ["../alpha", "alpha/x", "..", ".hidden", "-x", "a\\b", "a b", "a\0b", "%2e%2e", "", new string('a', 101), "ünicode"];

        foreach (var name in names)
        {
            var asName = await Assert.ThrowsAsync<StoreException>(() => store.Workflows.SaveAsync(admin, "alpha", name, Document()));
            var asProject = await Assert.ThrowsAsync<StoreException>(() => store.Workflows.SaveAsync(admin, name, "w", Document()));
            var get = await Assert.ThrowsAsync<StoreException>(() => store.Workflows.GetAsync(admin, name, "w"));
            var delete = await Assert.ThrowsAsync<StoreException>(() => store.Workflows.DeleteAsync(admin, "alpha", name));
            Assert.All(new[] { asName, asProject, get, delete }, e => Assert.Equal(ErrorKind.InvalidInput, e.Kind));
            Assert.False(SavedWorkflowStore.IsValidName(name));
        }

        Assert.Equal("0", await _fixture.ScalarAsync("SELECT COUNT(*) FROM saved_workflows"));
        Assert.True(SavedWorkflowStore.IsValidName("nightly-report_v2.1"));
    }

    [StoreFact]
    public async Task A_code_node_naming_a_file_is_refused_so_no_host_ever_reads_a_folder_for_it()
    {
        using var store = await _fixture.OpenAsync();
        var document = new JsonObject
        {
            ["name"] = "steal",
            ["project"] = "alpha",
            ["nodes"] = new JsonArray(new JsonObject { ["id"] = "c", ["type"] = "code", ["language"] = "csharp", ["file"] = "../../master.key.cs" }),
        }.ToJsonString();

        var refused = await Assert.ThrowsAsync<InvalidWorkflowException>(() => store.Workflows.SaveAsync(Wendy, "alpha", "steal", document));

        var problem = Assert.Single(refused.Problems);
        Assert.Equal("$.nodes[0].file", problem.JsonPath);
        Assert.Contains("source", problem.Message, StringComparison.Ordinal);
        Assert.Null(await store.Workflows.GetAsync(Wendy, "alpha", "steal"));
    }

    [StoreFact]
    public async Task A_document_that_is_not_a_workflow_object_is_refused_without_quoting_it()
    {
        using var store = await _fixture.OpenAsync();

        var notJson = await Assert.ThrowsAsync<StoreException>(() => store.Workflows.SaveAsync(Wendy, "alpha", "w", "{\"nodes\": [sk_live_PLANTED"));
        var array = await Assert.ThrowsAsync<StoreException>(() => store.Workflows.SaveAsync(Wendy, "alpha", "w", "[1]"));
        var huge = await Assert.ThrowsAsync<StoreException>(() => store.Workflows.SaveAsync(Wendy, "alpha", "w", new string(' ', SavedWorkflowStore.MaxDocumentLength + 1)));

        Assert.All(new[] { notJson, array, huge }, e => Assert.Equal(StoreErrors.WorkflowInvalidCode, e.Code));
        Assert.DoesNotContain("PLANTED", notJson.Message, StringComparison.Ordinal);
    }

    [StoreFact]
    public async Task A_token_without_runs_execute_cannot_save_read_or_delete()
    {
        using var store = await _fixture.OpenAsync();
        await store.Workflows.SaveAsync(Ada, "alpha", "w", Document());
        var readOnly = Ada with { Scopes = new HashSet<string>(StringComparer.Ordinal) { TokenScopes.SecretsRead } };
        var nothing = Ada with { Scopes = new HashSet<string>(StringComparer.Ordinal) };

        var save = await Assert.ThrowsAsync<StoreException>(() => store.Workflows.SaveAsync(readOnly, "alpha", "w", Document("5")));
        var get = await Assert.ThrowsAsync<StoreException>(() => store.Workflows.GetAsync(readOnly, "alpha", "w"));
        var delete = await Assert.ThrowsAsync<StoreException>(() => store.Workflows.DeleteAsync(readOnly, "alpha", "w"));
        var list = await Assert.ThrowsAsync<StoreException>(() => store.Workflows.ListAsync(nothing));

        Assert.All(new[] { save, get, delete, list }, e => Assert.Equal(AccessErrors.ScopeMissingCode, e.Code));
        Assert.Single(await store.Workflows.ListAsync(readOnly));
    }

    [StoreFact]
    public async Task Saves_and_deletes_are_audited_with_names_and_never_the_document()
    {
        using var store = await _fixture.OpenAsync();
        const string Planted = "planted-expression-9f1c";

        var saved = await store.Workflows.SaveAsync(Wendy, "alpha", "audited", Document($"'{Planted}'.length"));
        await store.Workflows.DeleteAsync(Wendy, "alpha", "audited");

        var audit = (await store.AuditAsync(StoreFixture.Admin, null)).Where(e => e.Action.StartsWith("workflow_", StringComparison.Ordinal)).ToList();
        Assert.Equal(["workflow_save", "workflow_delete"], audit.Select(e => e.Action));
        Assert.All(audit, e =>
        {
            Assert.Equal("wendy", e.Actor);
            Assert.Equal("alpha", e.Owner);
            Assert.Contains("'audited'", e.Detail, StringComparison.Ordinal);
            Assert.DoesNotContain(Planted, e.Detail ?? string.Empty, StringComparison.Ordinal);
        });
        Assert.Equal(saved.Workflow.Version, audit[0].Version);
    }

    [StoreFact]
    public async Task A_run_loads_the_owner_from_the_store_not_from_a_tampered_document()
    {
        using var store = await _fixture.OpenAsync();
        await store.Workflows.SaveAsync(Wendy, "alpha", "w", Document());
        await _fixture.ExecuteAsync("UPDATE saved_workflows SET document = @document WHERE name = 'w'", ("@document", Document(owner: "mallory")));

        var definition = SavedWorkflowStore.Load((await store.Workflows.GetAsync(Wendy, "alpha", "w"))!);

        Assert.Equal("wendy", definition.Owner);
        Assert.Equal("alpha", definition.Project);
        Assert.Equal("alpha/w", definition.SourcePath);
    }

    [StoreFact]
    public async Task An_import_adds_a_workflow_once_with_its_owner_and_only_a_store_admin_may_import()
    {
        using var store = await _fixture.OpenAsync();
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var old = new SavedWorkflow { Project = "alpha", Name = "legacy", Owner = "olivia", Document = Document(), Version = 1, CreatedAt = at, UpdatedAt = at, UpdatedBy = "olivia" };

        var refused = await Assert.ThrowsAsync<StoreException>(() => store.Workflows.ImportAsync(Ada, old));
        Assert.True(await store.Workflows.ImportAsync(StoreFixture.Admin, old));
        Assert.False(await store.Workflows.ImportAsync(StoreFixture.Admin, old with { Owner = "mallory" }));

        Assert.Equal(ErrorKind.PermissionDenied, refused.Kind);
        var imported = await store.Workflows.GetAsync(Ada, "alpha", "legacy");
        Assert.Equal("olivia", imported!.Owner);
        Assert.Equal(at, imported.CreatedAt);
        Assert.Single(await store.AuditAsync(StoreFixture.Admin, null), e => e.Action == "workflow_import");
    }
}
