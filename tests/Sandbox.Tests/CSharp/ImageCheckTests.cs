using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Secrets.Runtime.Sandbox.CSharp;

namespace Secrets.Runtime.Sandbox.Tests.CSharp;

/// <summary>
/// The metadata layer of the policy, fed images that never went through the source policy (as a tampered cache file
/// would be): every forbidden reference is found in the emitted metadata itself.
/// </summary>
public sealed class ImageCheckTests
{
    private static readonly ScriptCompiler Compiler = new();

    private static byte[] Emit(string source, bool allowUnsafe = false)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p) is "System.Private.CoreLib.dll" or "System.Runtime.dll" or "System.Console.dll" or "System.Net.Http.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("tampered", [CSharpSyntaxTree.ParseText(source)], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: allowUnsafe));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join("; ", emitted.Diagnostics));
        return image.ToArray();
    }

    [Theory]
    [InlineData("public static class S { public static string Run() => System.IO.File.ReadAllText(\"/etc/passwd\"); }", "System.IO.File")]
    [InlineData("public static class S { public static string? Run() => System.Environment.GetEnvironmentVariable(\"HOME\"); }", "GetEnvironmentVariable")]
    [InlineData("public static class S { public static object Run() => \"x\".GetType().Assembly; }", "GetType")]
    [InlineData("public static class S { public static void Run() => System.Console.WriteLine(); }", "System.Console")]
    [InlineData("public static class S { public static object Run() => new System.Net.Http.HttpClient(); }", "System.Net.Http")]
    [InlineData("public static class S { public static void Run() => System.Threading.Tasks.Task.Run(() => { }); }", "Task.Run")]
    [InlineData("public static class S { [System.Runtime.InteropServices.DllImport(\"libc\")] public static extern int getpid(); }", "native")]
    [InlineData("public class S { ~S() { } }", "finalizer")]
    [InlineData("public static class S { [System.Runtime.CompilerServices.ModuleInitializer] public static void Init() { } }", "module initializer")]
    [InlineData("public static unsafe class S { public static int Run() { int x = 1; int* p = &x; return *p + System.Runtime.CompilerServices.Unsafe.SizeOf<int>(); } }", "Unsafe.SizeOf")]
    public void A_forbidden_reference_in_an_image_is_refused(string source, string expected)
    {
        var result = ScriptCompiler.Checked(Emit(source, allowUnsafe: source.Contains("unsafe", StringComparison.Ordinal)));

        Assert.False(result.Succeeded);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("SR0005", diagnostic.Code);
        Assert.Contains(expected, diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_garbage_image_is_refused()
    {
        Assert.Contains("not a valid assembly", ScriptCompiler.Checked([1, 2, 3, 4]).Diagnostics[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_images_the_compiler_emits_pass_the_check()
    {
        var result = Compiler.Compile("""
            record Item(string Name, decimal Price);
            var items = new List<Item> { new("a", 1m), new("b", 2m) };
            var text = $"{items.Count} items, {items.Sum(i => i.Price)} total";
            IEnumerable<int> Gen() { yield return 1; }
            await Task.Delay(1);
            return items.Where(i => i.Price > 1m).Select(i => i with { Name = i.Name.ToUpperInvariant() }).First().ToString() + text + Gen().Sum() + string.Join(",", ["x", "y"]);
            """);

        Assert.True(result.Succeeded, string.Join("; ", result.Diagnostics));
        Assert.True(ScriptCompiler.Checked(result.Image!).Succeeded);
    }
}
