using System.Text.Json;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Import;

namespace Secrets.Runtime.Cli.Commands;

/// <summary>Test values for <c>eval</c> and <c>exec</c>: a <c>.env</c> or JSON object file of NAME to value.</summary>
internal static class TestValues
{
    public static async Task<Dictionary<string, string>> ReadAsync(CliContext context, string file, CancellationToken cancellationToken)
    {
        CliInput.ExistingFile(context, file, "--secrets-file");

        var text = await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false);
        if (text.TrimStart().StartsWith('{'))
        {
            try
            {
                return (JsonSerializer.Deserialize<Dictionary<string, string>>(text) ?? [])
                    .ToDictionary(p => SecretName.Parse(p.Key).Value, p => p.Value, StringComparer.Ordinal);
            }
            catch (JsonException)
            {
                throw CliErrors.SecretsFileInvalid($"--secrets-file is not a JSON object of string values");
            }
        }

        var document = DotEnvParser.Parse(text);
        if (document.Errors.Count > 0)
        {
            throw CliErrors.SecretsFileInvalid($"--secrets-file: {string.Join("; ", document.Errors)}");
        }

        return document.Entries.ToDictionary(e => e.Name.Value, e => e.Value, StringComparer.Ordinal);
    }
}
