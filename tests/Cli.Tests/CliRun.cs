using Secrets.Runtime.Cli;

namespace Secrets.Runtime.Cli.Tests;

/// <summary>Runs the CLI in-process against a temp home folder and captures its output.</summary>
internal sealed class CliRun : IDisposable
{
    public CliRun()
    {
        Home = Directory.CreateTempSubdirectory("cli-").FullName;
        Environment = new Dictionary<string, string?>
        {
            ["SECRETS_RUNTIME_HOME"] = Home,
            ["SECRETS_RUNTIME_MASTER_KEY"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        };
    }

    public string Home { get; }

    public Dictionary<string, string?> Environment { get; }

    /// <summary>Writes <paramref name="source"/> to a new script file in the home folder and returns its path.</summary>
    public string Script(string source)
    {
        var path = Path.Combine(Home, $"s{Guid.NewGuid():N}.csx");
        File.WriteAllText(path, source);
        return path;
    }

    public Task<(int Code, string Out, string Err)> PipeAsync(string stdin, params string[] args) =>
        PipeBytesAsync(System.Text.Encoding.UTF8.GetBytes(stdin), args);

    /// <summary>Runs with <paramref name="stdin"/> piped as raw bytes, as a shell pipe delivers them.</summary>
    public async Task<(int Code, string Out, string Err)> PipeBytesAsync(byte[] stdin, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var bytes = new MemoryStream(stdin);
        using var outputBytes = new MemoryStream();
        var console = new CliConsole
        {
            In = new StringReader(System.Text.Encoding.UTF8.GetString(stdin)), InputStream = bytes, Out = output, OutputStream = outputBytes, Error = error,
            IsInputRedirected = true, Environment = Environment,
        };
        var code = await CliApplication.RunAsync(args, console);

        // Only `redact` writes stdout as bytes; nothing else in a command's run writes both, so the two do not interleave.
        return (code, output.ToString() + System.Text.Encoding.UTF8.GetString(outputBytes.ToArray()), error.ToString());
    }

    public Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => PipeAsync(string.Empty, args);

    /// <summary>Runs as if on a terminal: no piped input, a hidden prompt that answers <paramref name="typed"/> (null: no terminal).</summary>
    public async Task<(int Code, string Out, string Err, List<string> Prompts)> TypeAsync(string? typed, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var prompts = new List<string>();
        var console = new CliConsole
        {
            In = new StringReader(string.Empty), Out = output, Error = error, IsInputRedirected = false, Environment = Environment,
            ReadHidden = prompt =>
            {
                prompts.Add(prompt);
                return typed;
            },
        };
        var code = await CliApplication.RunAsync(args, console);
        return (code, output.ToString(), error.ToString(), prompts);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(Home, recursive: true);
    }
}
