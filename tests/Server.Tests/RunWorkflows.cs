using System.Text.Json.Nodes;

namespace Secrets.Runtime.Server.Tests;

/// <summary>Workflow documents for run tests: expression nodes only, so no worker sandbox is needed.</summary>
public static class RunWorkflows
{
    /// <summary>A workflow of project <paramref name="project"/> with one expression node per entry.</summary>
    public static JsonObject Workflow(string project, params (string Id, string Expression)[] nodes) => new()
    {
        ["name"] = "test-" + project,
        ["organization"] = "default",
        ["project"] = project,
        ["owner"] = "someone-else",
        ["nodes"] = new JsonArray(nodes.Select(n => (JsonNode)new JsonObject { ["id"] = n.Id, ["type"] = "expression", ["expression"] = n.Expression }).ToArray()),
    };

    /// <summary>The body of <c>POST /api/v1/runs</c> for <paramref name="workflow"/>.</summary>
    public static JsonObject Inline(JsonObject workflow, JsonNode? input = null) => new() { ["workflow"] = workflow.DeepClone(), ["input"] = input?.DeepClone() };

    /// <summary>An inline run whose one node computes <paramref name="expression"/> over <c>v</c>, the value of <paramref name="secret"/>.</summary>
    public static JsonObject Echo(string project, string secret, string expression) =>
        Inline(Workflow(project, ("use", $"(v => ({expression}))(secrets.{secret})")));

    /// <summary>An inline 2-node run: the first node hands the value on, the second returns it (masked in the record).</summary>
    public static JsonObject TwoNodes(string project, string secret) =>
        Inline(Workflow(project, ("first", $"secrets.{secret}.length"), ("second", $"secrets.{secret}")));
}
