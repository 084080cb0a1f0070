using Secrets.Runtime.Store;

namespace Secrets.Runtime.Workflows.Nodes.Code;

/// <summary>One entry of a code node's credentials list: a stored secret made available to the script under an alias.</summary>
/// <param name="Secret">The stored secret's name.</param>
/// <param name="Alias">The key of <c>context.Secrets</c> the script reads.</param>
internal sealed record CodeCredential(SecretName Secret, string Alias);
