namespace Secrets.Runtime.References;

/// <summary>A template string split into parts, with any malformed references reported.</summary>
/// <param name="Parts">The parts in order.</param>
/// <param name="Errors">One message per malformed reference; empty when the template is valid.</param>
internal sealed record ParsedTemplate(IReadOnlyList<TemplatePart> Parts, IReadOnlyList<string> Errors)
{
    /// <summary>True when the template holds at least one reference or expression (anything but literal text).</summary>
    public bool HasReferences => Parts.Any(p => p is not TemplatePart.Literal);

    /// <summary>The secrets referenced directly (not those inside JavaScript expressions).</summary>
    public IEnumerable<SecretReference> SecretReferences => Parts.OfType<TemplatePart.Secret>().Select(p => p.Reference);
}
