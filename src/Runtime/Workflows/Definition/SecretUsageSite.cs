using Secrets.Runtime.References;

namespace Secrets.Runtime.Workflows.Definition;

/// <summary>One place a workflow refers to a secret.</summary>
/// <param name="WorkflowFile">The workflow file.</param>
/// <param name="Workflow">The workflow's name as written (or the file name when it has none).</param>
/// <param name="NodeId">The node's id (or <c>#index</c> when it has none).</param>
/// <param name="JsonPath">Where in the file.</param>
/// <param name="Syntax">How the secret is referred to.</param>
internal sealed record SecretUsageSite(string WorkflowFile, string Workflow, string NodeId, string JsonPath, ReferenceSyntax Syntax);
