using Secrets.Runtime.Store;

namespace Secrets.Runtime.References;

/// <summary>A reference to a secret by name, as written in a workflow; never its value.</summary>
/// <param name="Name">The upper-cased name looked up at run time.</param>
/// <param name="Syntax">How it was written.</param>
/// <param name="Text">The reference text as written, for error messages (for example <c>{{secrets.api_key}}</c>).</param>
internal sealed record SecretReference(SecretName Name, ReferenceSyntax Syntax, string Text);
