using System.Net;
using System.Text.Json.Nodes;
using Npgsql;
using Secrets.Runtime.Tests.Store;

namespace Secrets.Runtime.Server.Tests.Workflows;

/// <summary>Two API hosts on one PostgreSQL store: a workflow saved through one is read, run and deleted through the other.</summary>
public sealed class SharedStoreWorkflowTests
{
    private const string Value = "pw-shared-wf-77c1-d02e";

    [PostgresFact]
    public async Task A_workflow_saved_on_one_host_is_read_run_and_deleted_on_another()
    {
        var schema = "wf_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
        await ExecuteAsync($"CREATE SCHEMA {schema}");
        var database = new NpgsqlConnectionStringBuilder(PostgresTestServer.ConnectionString) { SearchPath = schema }.ConnectionString;
        var environment = new Dictionary<string, string?> { ["SECRETS_RUNTIME_MASTER_KEY"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) };
        void Shared(SecretsServerOptions o)
        {
            o.Runtime.Database = database;
            o.Runtime.Environment = environment;
        }

        try
        {
            using var first = new ServerFactory(Shared);
            using var second = new ServerFactory(Shared);

            // Tokens live in the shared store too: the first host's users authenticate on the second.
            var wendyOnFirst = first.ClientFor(first.WriterToken);
            var wendyOnSecond = second.ClientFor(first.WriterToken);
            var ritaOnSecond = second.ClientFor(first.ReaderToken);
            await first.ClientFor(first.AdminToken).PutSecretAsync("/api/v1/projects/alpha/secrets/SHARED_KEY", Value);
            var saved = await wendyOnFirst.PutJsonAsync("/api/v1/projects/alpha/workflows/shared",
                RunWorkflows.Workflow("alpha", ("len", $"secrets.SHARED_KEY.length === {Value.Length}"), ("echo", "secrets.SHARED_KEY")));
            Assert.Equal(HttpStatusCode.Created, saved.StatusCode);

            var read = await ritaOnSecond.GetAsync(Api.Url("/api/v1/projects/alpha/workflows/shared"));
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal(saved.Headers.ETag!.Tag, read.Headers.ETag!.Tag);
            Assert.Equal("wendy", (await read.JsonAsync()).GetProperty("owner").GetString());

            var run = await ritaOnSecond.PostJsonAsync("/api/v1/projects/alpha/workflows/shared/runs?wait=true", new JsonObject { ["trigger"] = "api" });
            var record = await run.JsonAsync();
            Assert.Equal("succeeded", record.GetProperty("status").GetString());
            Assert.True(record.GetProperty("nodes")[0].GetProperty("output").GetBoolean());
            Assert.DoesNotContain(Value, record.GetRawText(), StringComparison.Ordinal);

            // A stale ETag from the first host is refused on the second, then the owner deletes it there.
            await wendyOnFirst.PutJsonAsync("/api/v1/projects/alpha/workflows/shared", RunWorkflows.Workflow("alpha", ("n", "1")));
            using (var stale = new HttpRequestMessage(HttpMethod.Delete, Api.Url("/api/v1/projects/alpha/workflows/shared")))
            {
                stale.Headers.TryAddWithoutValidation("If-Match", saved.Headers.ETag!.Tag);
                await Problems.AssertAsync(await wendyOnSecond.SendAsync(stale), HttpStatusCode.PreconditionFailed, "store.precondition_failed");
            }

            Assert.Equal(HttpStatusCode.NoContent, (await wendyOnSecond.DeleteAsync(Api.Url("/api/v1/projects/alpha/workflows/shared"))).StatusCode);
            await Problems.AssertAsync(await wendyOnFirst.GetAsync(Api.Url("/api/v1/projects/alpha/workflows/shared")), HttpStatusCode.NotFound, "workflow.not_found");
            Assert.False(Directory.Exists(Path.Combine(first.Home, "server", "workflows")));
            Assert.False(Directory.Exists(Path.Combine(second.Home, "server", "workflows")));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync($"DROP SCHEMA {schema} CASCADE");
        }
    }

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
