using Microsoft.CodeAnalysis;
using Secrets.Runtime.Sandbox.CSharp;
using Secrets.Runtime.Sandbox.Workers;

namespace Secrets.Runtime.Sandbox.Tests.CSharp;

/// <summary>
/// Scripts compile against a small script-API assembly, not the sandbox: a script that names a sandbox type does not
/// compile because the compiler cannot find the type, whatever the policy says.
/// </summary>
public sealed class ScriptApiAssemblyTests
{
    private static readonly ScriptCompiler Compiler = new();

    [Theory]
    [InlineData("Secrets.Runtime.Sandbox.Workers.ScriptRunner? runner = null;\nreturn runner is null;")]
    [InlineData("using Secrets.Runtime.Sandbox.Workers;\nreturn new ScriptRunner();")]
    [InlineData("return Secrets.Runtime.Sandbox.CSharp.ScriptCompiler.MaxSourceLength;")]
    [InlineData("return Secrets.Runtime.Sandbox.CSharp.ScriptPolicy.Version;")]
    [InlineData("return Secrets.Runtime.Sandbox.LimitKind.Time;")]
    [InlineData("return Secrets.Runtime.Sandbox.Workers.Protocol.WorkerProtocol.CompileMode;")]
    [InlineData("return Secrets.Runtime.Redaction.SecretRedactor.Default;")]
    public void A_script_naming_a_sandbox_type_does_not_compile_because_it_is_not_found(string source)
    {
        var result = Compiler.Compile(source);

        Assert.False(result.Succeeded);
        Assert.NotEmpty(result.Diagnostics);
        Assert.All(result.Diagnostics, d =>
        {
            Assert.Contains(d.Code, (string[])["CS0234", "CS0246"]);
            Assert.Matches("does not exist|could not be found", d.Message);
        });
    }

    [Fact]
    public void The_reference_set_holds_the_script_api_and_not_the_sandbox_or_its_dependencies()
    {
        var names = Compiler.References.Select(r => Path.GetFileNameWithoutExtension(((PortableExecutableReference)r).FilePath)).ToList();

        Assert.Contains("Secrets.Runtime.Sandbox.ScriptApi", names);
        Assert.DoesNotContain(typeof(ScriptRunner).Assembly.GetName().Name, names);
        Assert.DoesNotContain(names, n => n!.StartsWith("Secrets.Runtime.Redaction", StringComparison.Ordinal) || n.StartsWith("Jint", StringComparison.Ordinal) || n.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal));
    }

    [Fact]
    public void The_script_api_holds_only_what_a_script_may_see()
    {
        var exported = typeof(ScriptGlobals).Assembly.GetExportedTypes().Select(t => t.Name).Order(StringComparer.Ordinal);

        Assert.Equal(["ScriptContext", "ScriptGlobals", "ScriptGuard", "ScriptHttp", "ScriptHttpResponse", "ScriptLimitException", "ScriptRunInfo"], exported);
    }
}
