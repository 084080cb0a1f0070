using Secrets.Runtime.Store;

namespace Secrets.Runtime.Workflows.Export;

/// <summary>A literal secret value that template export replaced with a reference.</summary>
/// <param name="JsonPath">Where the value was.</param>
/// <param name="Name">The secret whose value it was; the value itself is never reported.</param>
/// <param name="Rewrite">What it became, such as <c>{{secrets.NAME}}</c>, <c>secrets.NAME</c> or <c>context.Secrets["NAME"]</c>.</param>
public sealed record TemplateReplacement(string JsonPath, SecretName Name, string Rewrite);
