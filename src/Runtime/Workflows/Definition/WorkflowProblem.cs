namespace Secrets.Runtime.Workflows.Definition;

/// <summary>One thing wrong with a workflow file.</summary>
/// <param name="JsonPath">Where, as a JSON path such as <c>$.nodes[1].headers.Authorization</c>.</param>
/// <param name="Message">What is wrong and how to fix it.</param>
public sealed record WorkflowProblem(string JsonPath, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{JsonPath}: {Message}";
}
