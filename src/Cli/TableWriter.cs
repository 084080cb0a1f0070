namespace Secrets.Runtime.Cli;

/// <summary>Writes rows as aligned columns.</summary>
internal static class TableWriter
{
    public static async Task WriteAsync(TextWriter output, string[] header, IReadOnlyList<string[]> rows)
    {
        if (rows.Count == 0)
        {
            await output.WriteLineAsync("(none)").ConfigureAwait(false);
            return;
        }

        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        foreach (var row in rows.Prepend(header))
        {
            await output.WriteLineAsync(string.Join("  ", row.Select((c, i) => i == row.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd()).ConfigureAwait(false);
        }
    }
}
