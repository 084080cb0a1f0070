using Secrets.Runtime.References;

namespace Secrets.Runtime.Workflows.Definition;

/// <summary>A string field of a node's configuration that is rendered as a template when the node runs.</summary>
/// <param name="JsonPath">Where the string is, such as <c>$.nodes[0].headers.Authorization</c>.</param>
/// <param name="Template">The parsed template.</param>
internal sealed record TemplateField(string JsonPath, ParsedTemplate Template);
