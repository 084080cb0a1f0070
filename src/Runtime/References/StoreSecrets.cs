using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Sandbox.Expressions;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows;

namespace Secrets.Runtime.References;

/// <summary>Uses of stored values that never hand a value to the caller: masking with them, and exporting templates against them.</summary>
public static class StoreSecrets
{
    /// <summary>
    /// Registers every value <paramref name="principal"/> may use with <paramref name="redactor"/>; returns how many.
    /// With <paramref name="purpose"/> (such as <c>redact</c>), each decrypted secret gets a <c>use</c> entry in the
    /// audit log naming that purpose (names only).
    /// </summary>
    public static async Task<int> RegisterAllAsync(ISecretStore store, Principal principal, SecretRedactor redactor, CancellationToken cancellationToken = default, string? purpose = null)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(redactor);
        var reader = Reader(store);
        var values = await reader.ReadAllAsync(principal, cancellationToken).ConfigureAwait(false);
        redactor.AddRange(values.Select(v => new RedactionValue(v.Value, v.Name.Value)));
        if (purpose is not null)
        {
            await RecordUseAsync(reader, principal, values, purpose, cancellationToken).ConfigureAwait(false);
        }

        return values.Count;
    }

    /// <summary>Exports a workflow as a template against every value <paramref name="principal"/> may use.</summary>
    public static async Task<WorkflowTemplate> ExportTemplateAsync(ISecretStore store, Principal principal, JsonObject workflow, CancellationToken cancellationToken = default)
    {
        var values = await Reader(store).ReadAllAsync(principal, cancellationToken).ConfigureAwait(false);
        return WorkflowTemplateExporter.Export(workflow, values.Select(v => KeyValuePair.Create(v.Name, v.Value)));
    }

    /// <summary>
    /// Evaluates expressions in order with one evaluator, as the expression nodes of one run would be, with the
    /// secrets each references resolved from the store (project, then organization, then the principal's personal
    /// ones). Every resolved value is registered with <paramref name="redactor"/>, and results come back masked.
    /// Each secret read gets a <c>use</c> entry in the audit log (detail <c>eval</c>; names only).
    /// </summary>
    public static async Task<IReadOnlyList<ExpressionResult>> EvaluateAsync(
        ISecretStore store, Principal principal, ExpressionEvaluator evaluator, IEnumerable<string> expressions, IReadOnlyCollection<string>? allow,
        JsonNode? input, string organization, string? project, SecretRedactor redactor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(evaluator);
        ArgumentNullException.ThrowIfNull(expressions);
        ArgumentNullException.ThrowIfNull(redactor);
        var reader = Reader(store);
        var resolver = new SecretResolver(reader, organization, project ?? string.Empty, principal);
        var results = new List<ExpressionResult>();
        foreach (var expression in expressions)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var name in allow ?? (IReadOnlyCollection<string>)ExpressionEvaluator.FindSecretReferences(expression))
            {
                if (SecretName.TryParse(name, out var secretName, out _) && await resolver.TryResolveAsync(secretName, cancellationToken).ConfigureAwait(false) is { } found)
                {
                    values[found.Name.Value] = found.Value;
                }
            }

            // Registered in one batch before the expression sees any of them.
            redactor.AddRange(values.Select(v => new RedactionValue(v.Value, v.Key)));

            var result = evaluator.Evaluate(new ExpressionRequest { Expression = expression, Secrets = values, AllowedSecrets = allow, Inputs = input });
            results.Add(Masked(result, redactor));
        }

        await RecordUseAsync(reader, principal, resolver.Resolved, "eval", cancellationToken).ConfigureAwait(false);
        return results;
    }

    /// <summary>The result with its value and error masked.</summary>
    public static ExpressionResult Masked(ExpressionResult result, SecretRedactor redactor)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result with { Value = JsonRedaction.Redact(result.Value, redactor), Error = result.Error is null ? null : redactor.Redact(result.Error) };
    }

    private static Task RecordUseAsync(ISecretValueReader reader, Principal principal, IEnumerable<ResolvedSecret> secrets, string purpose, CancellationToken cancellationToken) =>
        reader.RecordUsageAsync(
            secrets.Select(s => new SecretUsage(string.Empty, string.Empty, s.Scope, s.Owner, s.Name, s.Version, principal.AuditName) { Detail = purpose }).ToList(),
            cancellationToken);

    private static ISecretValueReader Reader(ISecretStore store) =>
        store as ISecretValueReader ?? throw new ArgumentException("this store does not support run-time injection", nameof(store));
}
