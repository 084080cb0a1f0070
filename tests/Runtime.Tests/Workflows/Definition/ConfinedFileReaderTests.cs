using System.Runtime.InteropServices;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Nodes.Code;

namespace Secrets.Runtime.Tests.Workflows.Definition;

/// <summary>
/// A code node's <c>file</c> stays inside the workflow file's folder and is a small regular file: each test loads a
/// workflow that tries one way out and checks it is refused at <c>$.nodes[0].file</c> without a byte of the file.
/// </summary>
public sealed class ConfinedFileReaderTests : IDisposable
{
    private const string Marker = "HOSTMARKER_5f1e9c";
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("confine-");

    public ConfinedFileReaderTests()
    {
        Directory.CreateDirectory(Flows);
        File.WriteAllText(Outside, $"{Marker} = 1;\nreturn 1;");
    }

    private string Flows => Path.Combine(_root.FullName, "flows");

    /// <summary>A file next to the workflow folder, as a host file would be.</summary>
    private string Outside => Path.Combine(_root.FullName, "outside.csx");

    public void Dispose() => _root.Delete(recursive: true);

    private async Task<WorkflowDefinition> Load(string file)
    {
        var path = Path.Combine(Flows, "w.json");
        await File.WriteAllTextAsync(path, $$"""{ "name": "w", "project": "p", "owner": "o", "nodes": [ { "id": "c", "type": "code", "language": "csharp", "file": {{System.Text.Json.JsonSerializer.Serialize(file)}} } ] }""");
        return await WorkflowLoader.LoadFileAsync(path);
    }

    private async Task<WorkflowProblem> Refused(string file)
    {
        var ex = await Assert.ThrowsAsync<InvalidWorkflowException>(() => Load(file));
        var problem = Assert.Single(ex.Problems);
        Assert.Equal("$.nodes[0].file", problem.JsonPath);
        Assert.DoesNotContain(Marker, ex.Message, StringComparison.Ordinal);
        return problem;
    }

    [Theory]
    [InlineData("HOST")]
    [InlineData("/proc/self/environ")]
    [InlineData("/dev/zero")]
    public async Task An_absolute_path_is_refused_whatever_it_names(string file)
    {
        var problem = await Refused(file == "HOST" ? Outside : file);

        Assert.Contains("is an absolute path", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dot_dot_that_leaves_the_folder_is_refused_even_through_a_subfolder()
    {
        Directory.CreateDirectory(Path.Combine(Flows, "lib"));

        var direct = await Refused("../outside.csx");
        var climbing = await Refused("lib/../../outside.csx");

        Assert.Contains("leads outside the workflow file's folder", direct.Message, StringComparison.Ordinal);
        Assert.Contains("leads outside the workflow file's folder", climbing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_symbolic_link_in_the_folder_that_points_outside_is_refused()
    {
        File.CreateSymbolicLink(Path.Combine(Flows, "relative.csx"), "../outside.csx");
        File.CreateSymbolicLink(Path.Combine(Flows, "absolute.csx"), Outside);
        Directory.CreateSymbolicLink(Path.Combine(Flows, "up"), _root.FullName);

        var relative = await Refused("relative.csx");
        var absolute = await Refused("absolute.csx");
        var folder = await Refused("up/outside.csx");

        Assert.All([relative, absolute, folder], p => Assert.Contains("outside the workflow file's folder", p.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_symbolic_link_that_stays_inside_the_folder_is_followed()
    {
        Directory.CreateDirectory(Path.Combine(Flows, "lib"));
        File.WriteAllText(Path.Combine(Flows, "lib", "real.csx"), "return 7;");
        File.CreateSymbolicLink(Path.Combine(Flows, "alias.csx"), "lib/real.csx");

        var workflow = await Load("alias.csx");

        Assert.Equal("return 7;", Assert.IsType<CodeNode>(workflow.Nodes[0]).Source);
    }

    [Fact]
    public async Task A_link_to_a_device_is_refused_without_being_read()
    {
        File.CreateSymbolicLink(Path.Combine(Flows, "zero.csx"), "/dev/zero");

        var problem = await Refused("zero.csx");

        Assert.Contains("outside the workflow file's folder", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fifo_in_the_folder_is_refused_without_being_opened()
    {
        // Opening a FIFO for reading blocks until a writer comes; none ever does here, so reaching the assertion
        // shows it was never opened.
        Assert.Equal(0, MakeFifo(Path.Combine(Flows, "pipe.csx"), Convert.ToUInt32("600", 8)));

        var problem = await Refused("pipe.csx");

        Assert.Contains("is not a regular file", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_directory_is_refused()
    {
        Directory.CreateDirectory(Path.Combine(Flows, "lib"));

        var problem = await Refused("lib");

        Assert.Contains("is a directory", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_over_256_kb_is_refused_and_not_quoted()
    {
        File.WriteAllText(Path.Combine(Flows, "big.csx"), Marker + new string('x', 300 * 1024));

        var problem = await Refused("big.csx");

        Assert.Contains("larger than 256 KB", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_a_csharp_script_is_never_compiled_so_no_diagnostic_quotes_it()
    {
        File.WriteAllText(Path.Combine(Flows, ".env"), $"API_KEY={Marker}");
        File.CreateSymbolicLink(Path.Combine(Flows, "env.csx"), ".env");

        var named = await Refused(".env");
        var linked = await Refused("env.csx");

        Assert.All([named, linked], p => Assert.Contains("is not a C# script file", p.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_file_is_refused_with_its_path_as_written()
    {
        var problem = await Refused("lib/none.csx");

        Assert.Contains("'lib/none.csx' not found", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_relative_file_in_a_subfolder_is_read()
    {
        Directory.CreateDirectory(Path.Combine(Flows, "scripts"));
        File.WriteAllText(Path.Combine(Flows, "scripts", "sign.csx"), "\uFEFFreturn 42;");

        var workflow = await Load("./scripts/sign.csx");

        var node = Assert.IsType<CodeNode>(workflow.Nodes[0]);
        Assert.Equal("return 42;", node.Source);
        Assert.Equal(Path.Combine(Flows, "scripts", "sign.csx"), node.SourceFile);
    }

    [Fact]
    public void An_inline_workflow_names_no_file_at_all()
    {
        var ex = Assert.Throws<InvalidWorkflowException>(() => WorkflowLoader.Parse("""{ "name": "w", "project": "p", "owner": "o", "nodes": [ { "id": "c", "type": "code", "language": "csharp", "file": "sign.csx" } ] }"""));

        Assert.Equal("$.nodes[0].file", Assert.Single(ex.Problems).JsonPath);
    }

    [Fact]
    public async Task A_workflow_file_that_is_a_device_is_refused()
    {
        var ex = await Assert.ThrowsAsync<InvalidWorkflowException>(() => WorkflowLoader.LoadFileAsync("/dev/zero"));

        Assert.Contains("is not a regular file", Assert.Single(ex.Problems).Message, StringComparison.Ordinal);
    }

    [DllImport("libc", EntryPoint = "mkfifo")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int MakeFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);
}
