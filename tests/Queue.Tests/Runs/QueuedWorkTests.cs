using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Runs;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Nodes.Code;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Queue.Tests.Runs;

public sealed class QueuedWorkTests
{
    [Fact]
    public async Task A_code_node_file_is_inlined_so_a_worker_on_another_machine_needs_no_folder()
    {
        var folder = Directory.CreateTempSubdirectory("queued-work-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "sum.csx"), "return 1 + 2;");
            var path = Path.Combine(folder, "workflow.json");
            await File.WriteAllTextAsync(path, """{ "name": "w", "project": "p", "owner": "o", "nodes": [ { "id": "c", "type": "code", "language": "csharp", "file": "sum.csx" } ] }""");
            var workflow = await WorkflowLoader.LoadFileAsync(path);

            var queued = QueuedWork.Workflow(workflow);
            Directory.Delete(folder, recursive: true);
            var parsed = WorkflowLoader.Parse(queued);

            var node = Assert.IsType<CodeNode>(Assert.Single(parsed.Nodes));
            Assert.Equal("return 1 + 2;", node.Source);
            Assert.Null(node.SourceFile);
            Assert.Null(JsonNode.Parse(queued)!["nodes"]![0]!["file"]);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [Fact]
    public void The_request_comes_back_with_its_id_and_resolves_each_node_at_its_start()
    {
        var request = new RunRequest { User = "alice", Trigger = RunTrigger.Webhook, ActingUser = "ops", MinimumChange = 42, Input = JsonNode.Parse("""{ "n": 1 }""") };

        var back = QueuedWork.ParseRequest("0123456789abcdef", QueuedWork.Request(request));

        Assert.Equal(("0123456789abcdef", "alice", RunTrigger.Webhook, "ops", 42L), (back.RunId, back.User, back.Trigger, back.ActingUser, back.MinimumChange));
        Assert.Equal(1, back.Input!["n"]!.GetValue<int>());
        Assert.True(back.ResolveEachNode);
    }

    [Fact]
    public void The_principal_comes_back_with_its_grants_token_scopes_and_token_id()
    {
        var principal = new Store.Principal("rita", [new Store.RoleGrant(Store.SecretScope.Project, "alpha", Store.SecretRole.Reader), new Store.RoleGrant(Store.SecretScope.Organization, "*", Store.SecretRole.Writer)])
        {
            Scopes = new HashSet<string>(["runs:execute", "secrets:read"], StringComparer.Ordinal),
            TokenId = "tok_1",
        };
        var request = new RunRequest { User = "rita", Principal = principal };

        var back = QueuedWork.ParseRequest("0123456789abcdef", QueuedWork.Request(request)).Principal!;

        Assert.Equal(("rita", "tok_1"), (back.UserId, back.TokenId));
        Assert.Equal(principal.Grants, back.Grants);
        Assert.Equal(["runs:execute", "secrets:read"], back.Scopes!.Order(StringComparer.Ordinal));
        Assert.False(back.HasScope("secrets:admin"));
        Assert.Null(QueuedWork.ParseRequest("0123456789abcdef", QueuedWork.Request(new RunRequest { User = "cli" })).Principal);
    }

    [Theory]
    [InlineData("5")]
    [InlineData("Owner")]
    public void A_role_that_is_not_one_of_the_named_roles_makes_the_request_corrupt(string role)
    {
        var json = QueuedWork.Request(new RunRequest { User = "rita", Principal = new Store.Principal("rita", [new Store.RoleGrant(Store.SecretScope.Project, "alpha", Store.SecretRole.Reader)]) })
            .Replace("\"Reader\"", $"\"{role}\"", StringComparison.Ordinal);

        var ex = Assert.Throws<SecretsRuntimeException>(() => QueuedWork.ParseRequest("0123456789abcdef", json));

        Assert.Equal(QueueErrors.RequestCorruptCode, ex.Code);
    }

    [Fact]
    public void A_corrupt_request_row_is_an_integrity_error_that_names_the_run_only()
    {
        var ex = Assert.Throws<SecretsRuntimeException>(() => QueuedWork.ParseRequest("0123456789abcdef", """{ "user": 5, "token": "sk_live_leaked" }"""));

        Assert.Equal(("queue.request_corrupt", ErrorKind.Integrity), (ex.Code, ex.Kind));
        Assert.DoesNotContain("sk_live", ex.Message, StringComparison.Ordinal);
    }
}
