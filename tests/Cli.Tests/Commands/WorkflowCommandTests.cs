using System.Runtime.InteropServices;

namespace Secrets.Runtime.Cli.Tests.Commands;

/// <summary>
/// Files named by a workflow stay inside its folder, whichever command reads the workflow: <c>workflow validate</c>,
/// <c>workflow export --template</c>, <c>run</c> and <c>secret usages</c>, each attacked as the finding did.
/// </summary>
public sealed class WorkflowCommandTests : IDisposable
{
    private const string Marker = "HOSTMARKER_c41d7a";
    private readonly CliRun _cli = new();

    public WorkflowCommandTests()
    {
        Directory.CreateDirectory(Flows);
        File.WriteAllText(HostFile, $"{Marker} rest of a host file");
    }

    private string Flows => Path.Combine(_cli.Home, "flows");

    /// <summary>A file outside the workflow's folder, as the host's own files are.</summary>
    private string HostFile => Path.Combine(_cli.Home, "host-file.txt");

    public void Dispose() => _cli.Dispose();

    private string Workflow(string file, string name = "w.json")
    {
        var path = Path.Combine(Flows, name);
        File.WriteAllText(path, $$"""
            { "name": "w", "project": "p", "owner": "o", "nodes": [
              { "id": "c", "type": "code", "language": "csharp", "file": {{System.Text.Json.JsonSerializer.Serialize(file)}}, "credentials": [{ "secret": "K", "alias": "K" }] }
            ] }
            """);
        return path;
    }

    [Theory]
    [InlineData("/proc/self/environ")]
    [InlineData("HOST")]
    [InlineData("../host-file.txt")]
    public async Task Export_template_refuses_a_file_outside_the_folder_and_writes_no_template(string file)
    {
        var path = Workflow(file == "HOST" ? HostFile : file);

        var (code, output, error) = await _cli.RunAsync("workflow", "export", path, "--template");

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("$.nodes[0].file", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.ChangeExtension(path, ".template.json")));
        Assert.DoesNotContain(Marker, output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("PATH=", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_template_inlines_a_script_from_a_subfolder()
    {
        Directory.CreateDirectory(Path.Combine(Flows, "scripts"));
        File.WriteAllText(Path.Combine(Flows, "scripts", "sign.csx"), "return context.Secrets[\"K\"].Length;");
        var path = Workflow("scripts/sign.csx");
        await _cli.PipeAsync("some-stored-value", "secret", "set", "K");

        var (code, output, error) = await _cli.RunAsync("workflow", "export", path, "--template");

        Assert.True(code == 0, output + error);
        var template = File.ReadAllText(Path.ChangeExtension(path, ".template.json"));
        Assert.Contains("return context.Secrets[\\u0022K\\u0022].Length;", template, StringComparison.Ordinal);
        Assert.DoesNotContain("\"file\"", template, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_refuses_dev_zero_at_its_json_path()
    {
        var (code, _, error) = await _cli.RunAsync("workflow", "validate", Workflow("/dev/zero"));

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("$.nodes[0].file: '/dev/zero' is an absolute path", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_refuses_a_link_to_dev_zero_a_fifo_and_a_300_kb_file_in_the_folder()
    {
        File.CreateSymbolicLink(Path.Combine(Flows, "zero.csx"), "/dev/zero");
        Assert.Equal(0, MakeFifo(Path.Combine(Flows, "pipe.csx"), Convert.ToUInt32("600", 8)));
        File.WriteAllText(Path.Combine(Flows, "big.csx"), Marker + new string('x', 300 * 1024));

        var zero = await _cli.RunAsync("workflow", "validate", Workflow("zero.csx"));
        var fifo = await _cli.RunAsync("workflow", "validate", Workflow("pipe.csx"));
        var big = await _cli.RunAsync("workflow", "validate", Workflow("big.csx"));

        Assert.Contains("'zero.csx' goes through a symbolic link that leads outside", zero.Err, StringComparison.Ordinal);
        Assert.Contains("'pipe.csx' is not a regular file", fifo.Err, StringComparison.Ordinal);
        Assert.Contains("'big.csx' is larger than 256 KB", big.Err, StringComparison.Ordinal);
        Assert.All([zero.Code, fifo.Code, big.Code], c => Assert.Equal(ExitCodes.InvalidInput, c));
        Assert.DoesNotContain(Marker, big.Out + big.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_never_compiles_a_host_file_so_no_diagnostic_quotes_it()
    {
        await _cli.PipeAsync("k-value-123456", "secret", "set", "K");

        var (code, output, error) = await _cli.RunAsync("run", Workflow(HostFile));

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("$.nodes[0].file", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Marker, output + error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_cli.Home, "runs")) && Directory.EnumerateFiles(Path.Combine(_cli.Home, "runs")).Any());
    }

    [Fact]
    public async Task Run_uses_a_script_from_a_subfolder()
    {
        await _cli.PipeAsync("k-value-123456", "secret", "set", "K");
        Directory.CreateDirectory(Path.Combine(Flows, "scripts"));
        File.WriteAllText(Path.Combine(Flows, "scripts", "len.csx"), "return context.Secrets[\"K\"].Length;");

        var (code, output, error) = await _cli.RunAsync("run", Workflow("scripts/len.csx"));

        Assert.True(code == 0, output + error);
        Assert.Contains("succeeded", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Secret_usages_searches_past_links_devices_and_fifos_without_reading_them()
    {
        Workflow("/dev/zero", "code.json");
        File.CreateSymbolicLink(Path.Combine(Flows, "zero.json"), "/dev/zero");
        File.CreateSymbolicLink(Path.Combine(Flows, "host.json"), HostFile);
        Directory.CreateSymbolicLink(Path.Combine(Flows, "loop"), Flows);
        Assert.Equal(0, MakeFifo(Path.Combine(Flows, "pipe.json"), Convert.ToUInt32("600", 8)));

        var (code, output, error) = await _cli.RunAsync("secret", "usages", "K", "--workflows", Flows);

        Assert.True(code == 0, output + error);
        Assert.Contains("$.nodes[0].credentials[0].secret", output, StringComparison.Ordinal);
        Assert.Single(output.Split('\n'), l => l.Contains("code.json", StringComparison.Ordinal));
        Assert.DoesNotContain(Marker, output + error, StringComparison.Ordinal);
    }

    [DllImport("libc", EntryPoint = "mkfifo")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int MakeFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);
}
