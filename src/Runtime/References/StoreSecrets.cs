using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows;

namespace Secrets.Runtime.References;

/// <summary>Uses of stored values that never hand a value to the caller: masking with them, and exporting templates against them.</summary>
public static class StoreSecrets
{
    /// <summary>Registers every value <paramref name="principal"/> may use with <paramref name="redactor"/>; returns how many.</summary>
    public static async Task<int> RegisterAllAsync(ISecretStore store, Principal principal, SecretRedactor redactor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(redactor);
        var values = await Reader(store).ReadAllAsync(principal, cancellationToken).ConfigureAwait(false);
        foreach (var value in values)
        {
            redactor.Add(value.Value, value.Name.Value);
        }

        return values.Count;
    }

    /// <summary>Exports a workflow as a template against every value <paramref name="principal"/> may use.</summary>
    public static async Task<WorkflowTemplate> ExportTemplateAsync(ISecretStore store, Principal principal, JsonObject workflow, CancellationToken cancellationToken = default)
    {
        var values = await Reader(store).ReadAllAsync(principal, cancellationToken).ConfigureAwait(false);
        return WorkflowTemplateExporter.Export(workflow, values.Select(v => KeyValuePair.Create(v.Name, v.Value)));
    }

    private static ISecretValueReader Reader(ISecretStore store) =>
        store as ISecretValueReader ?? throw new ArgumentException("this store does not support run-time injection", nameof(store));
}
