namespace Secrets.Runtime.References;

/// <summary>One piece of a parsed template string: literal text, a secret, a node output, or a JavaScript expression.</summary>
internal abstract record TemplatePart
{
    private protected TemplatePart()
    {
    }

    /// <summary>Literal text (with <c>\{{</c> already turned into <c>{{</c>).</summary>
    public sealed record Literal(string Text) : TemplatePart;

    /// <summary>A secret reference such as <c>{{secrets.API_KEY}}</c>.</summary>
    public sealed record Secret(SecretReference Reference) : TemplatePart;

    /// <summary>A dotted path into earlier data: <c>{{nodes.fetch.output.items.0.id}}</c> or <c>{{inputs.user}}</c>.</summary>
    /// <param name="Root">The first segment: <c>nodes</c> or <c>inputs</c>.</param>
    /// <param name="Path">The segments after the root.</param>
    /// <param name="Text">The reference as written.</param>
    public sealed record DataPath(string Root, IReadOnlyList<string> Path, string Text) : TemplatePart;

    /// <summary>A JavaScript expression, <c>{{= ... }}</c>.</summary>
    public sealed record Expression(string Source, string Text) : TemplatePart;
}
