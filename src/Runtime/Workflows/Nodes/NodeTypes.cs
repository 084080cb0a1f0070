namespace Secrets.Runtime.Workflows.Nodes;

/// <summary>The registry of node types: the one place the loader, the reference finder, the exporter and the executor look a type up.</summary>
internal static class NodeTypes
{
    /// <summary>The properties every node has.</summary>
    public static readonly IReadOnlySet<string> CommonProperties = new HashSet<string>(StringComparer.Ordinal) { "id", "type", "description" };

    /// <summary>Every node type, in the order their names are listed to users.</summary>
    public static IReadOnlyList<INodeType> All { get; } = [new Expression.ExpressionNodeType(), new Code.CodeNodeType(), new Http.HttpNodeType()];

    /// <summary>The properties that are never templates, whatever the type: the common ones and every type's code properties.</summary>
    public static IReadOnlySet<string> NonTemplateProperties { get; } =
        CommonProperties.Concat(All.SelectMany(t => t.CodeProperties)).ToHashSet(StringComparer.Ordinal);

    /// <summary>The names of every type, for messages (<c>expression, code or http</c>).</summary>
    public static string Names => string.Join(", ", All.Take(All.Count - 1).Select(t => t.Name)) + " or " + All[^1].Name;

    /// <summary>The type named <paramref name="name"/>, or null.</summary>
    public static INodeType? Find(string? name) => All.FirstOrDefault(t => t.Name == name);
}
