namespace Secrets.Runtime.Cli;

/// <summary>The process boundary the CLI talks through, so tests can run commands in-process.</summary>
public sealed class CliConsole
{
    /// <summary>Standard input.</summary>
    public required TextReader In { get; init; }

    /// <summary>Standard input as bytes, when available: values are decoded from it strictly (invalid UTF-8 is refused).</summary>
    public Stream? InputStream { get; init; }

    /// <summary>Standard output.</summary>
    public required TextWriter Out { get; init; }

    /// <summary>
    /// Standard output as bytes, when available: <c>redact</c> streams UTF-8 to it in large writes rather than
    /// through <see cref="Out"/> (which flushes every write). Nothing else writes to it, so the two never interleave.
    /// </summary>
    public Stream? OutputStream { get; init; }

    /// <summary>Standard error.</summary>
    public required TextWriter Error { get; init; }

    /// <summary>True when standard input is a pipe or file rather than a terminal.</summary>
    public bool IsInputRedirected { get; init; } = true;

    /// <summary>True when standard output is a terminal (live progress lines are drawn only then).</summary>
    public bool IsOutputTerminal { get; init; }

    /// <summary>Environment variables visible to the command.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Reads a line from the terminal without echoing it (used for secret values); null when no terminal.</summary>
    public Func<string, string?> ReadHidden { get; init; } = _ => null;

    /// <summary>The console of the current process.</summary>
    public static CliConsole FromProcess()
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in System.Environment.GetEnvironmentVariables())
        {
            env[(string)e.Key] = e.Value as string;
        }

        return new CliConsole
        {
            In = Console.In,
            InputStream = Console.IsInputRedirected ? Console.OpenStandardInput() : null,
            Out = Console.Out,
            OutputStream = Console.OpenStandardOutput(),
            Error = Console.Error,
            IsInputRedirected = Console.IsInputRedirected,
            IsOutputTerminal = !Console.IsOutputRedirected,
            Environment = env,
            ReadHidden = ReadHiddenFromTerminal,
        };
    }

    private static string? ReadHiddenFromTerminal(string prompt)
    {
        if (Console.IsInputRedirected)
        {
            return null;
        }

        Console.Error.Write(prompt);
        var sb = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (sb.Length > 0)
                {
                    sb.Length--;
                }

                continue;
            }

            sb.Append(key.KeyChar);
        }

        Console.Error.WriteLine();
        return sb.ToString();
    }
}
