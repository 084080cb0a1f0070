using Secrets.Runtime.Sandbox.CSharp;

namespace Secrets.Runtime.Sandbox.Tests.CSharp;

public sealed class ScriptCompilerTests
{
    private static readonly ScriptCompiler Compiler = new();

    [Theory]
    [InlineData("System.IO.File.ReadAllText(\"/etc/passwd\")")]
    [InlineData("new System.IO.FileStream(\"/tmp/x\", System.IO.FileMode.Open)")]
    [InlineData("System.IO.Directory.GetFiles(\"/\")")]
    [InlineData("System.Environment.GetEnvironmentVariable(\"SECRETS_RUNTIME_MASTER_KEY\")")]
    [InlineData("System.Environment.Exit(1)")]
    [InlineData("System.Environment.FailFast(\"x\")")]
    [InlineData("System.Diagnostics.Process.Start(\"sh\")")]
    [InlineData("\"x\".GetType().Assembly")]
    [InlineData("typeof(string).Assembly")]
    [InlineData("System.Type.GetType(\"System.IO.File\")")]
    [InlineData("System.Activator.CreateInstance(typeof(object))")]
    [InlineData("System.Reflection.Assembly.Load(\"x\")")]
    [InlineData("System.Delegate.CreateDelegate(null!, null!)")]
    [InlineData("((System.Linq.Expressions.Expression<Func<int>>)(() => 1)).Compile()")]
    [InlineData("System.AppContext.BaseDirectory")]
    [InlineData("System.AppDomain.CurrentDomain")]
    [InlineData("new System.Threading.Thread(() => { })")]
    [InlineData("System.Threading.ThreadPool.QueueUserWorkItem(_ => { })")]
    [InlineData("Task.Run(() => 1)")]
    [InlineData("new System.Threading.Timer(_ => { })")]
    [InlineData("System.GC.Collect()")]
    [InlineData("System.Console.WriteLine(\"x\")")]
    [InlineData("System.Runtime.InteropServices.Marshal.AllocHGlobal(1)")]
    [InlineData("System.Runtime.CompilerServices.Unsafe.SizeOf<int>()")]
    [InlineData("System.Runtime.InteropServices.MemoryMarshal.GetReference(new Span<int>())")]
    [InlineData("new System.Net.Http.HttpClient()")]
    [InlineData("new System.Net.Sockets.Socket(default, default, default)")]
    [InlineData("CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture")]
    [InlineData("System.Reflection.Emit.AssemblyBuilder.DefineDynamicAssembly(null!, default)")]
    public void Refused_api_families_are_diagnostics_with_line_and_column(string expression)
    {
        var result = Compiler.Compile($"var x = 1;\nreturn {expression};");

        Assert.False(result.Succeeded);
        var diagnostic = result.Diagnostics[0];
        Assert.Equal(2, diagnostic.Line);
        Assert.True(diagnostic.Column >= 1);
        Assert.NotEmpty(diagnostic.Message);
    }

    [Theory]
    [InlineData("System.IO.File.ReadAllText(\"/etc/passwd\")", "System.IO.File")]
    [InlineData("System.Environment.GetEnvironmentVariable(\"HOME\")", "GetEnvironmentVariable")]
    [InlineData("\"x\".GetType()", "GetType")]
    [InlineData("typeof(string)", "System.Type")]
    [InlineData("System.Activator.CreateInstance<object>()", "Activator")]
    [InlineData("System.GC.GetTotalMemory(false)", "GC")]
    [InlineData("System.Runtime.InteropServices.Marshal.SizeOf<int>()", "Marshal")]
    [InlineData("Task.Run(() => 1)", "Task.Run")]
    [InlineData("System.Threading.ThreadPool.QueueUserWorkItem(_ => { })", "ThreadPool")]
    [InlineData("System.AppContext.BaseDirectory", "AppContext")]
    public void Apis_inside_corelib_are_refused_by_the_symbol_policy_naming_the_symbol(string expression, string symbol)
    {
        var result = Compiler.Compile($"return {expression};");

        var diagnostic = result.Diagnostics[0];
        Assert.StartsWith("SR", diagnostic.Code, StringComparison.Ordinal);
        Assert.Contains(symbol, diagnostic.Message, StringComparison.Ordinal);
    }

    // The walk takes a call's method and a new's constructor as the answer for the call's method group and the new's
    // type; what those skipped names carry (type arguments, receivers, delegate targets) must still be refused.
    [Theory]
    [InlineData("new List<System.IO.FileInfo>().Count", "FileInfo")]
    [InlineData("new Dictionary<string, System.Threading.Thread>().Count", "Thread")]
    [InlineData("Enumerable.Empty<System.IO.FileInfo>().Count()", "FileInfo")]
    [InlineData("new Func<string, string>(System.IO.File.ReadAllText)(\"/etc/passwd\")", "File")]
    [InlineData("((Func<int>)(() => System.Environment.ProcessorCount))()", "ProcessorCount")]
    [InlineData("new System.IO.StreamReader(\"/etc/passwd\").ReadToEnd()", "StreamReader")]
    [InlineData("System.IO.Path.GetTempPath().Length", "Path")]
    public void Names_a_call_or_new_answers_for_are_still_checked(string expression, string symbol)
    {
        var result = Compiler.Compile($"return {expression};");

        Assert.False(result.Succeeded);
        Assert.Contains(result.Diagnostics, d => d.Code.StartsWith("SR", StringComparison.Ordinal) && d.Message.Contains(symbol, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("unsafe { int* p = null; }", "unsafe")]
    [InlineData("Span<int> s = stackalloc int[4];", "stackalloc")]
    [InlineData("dynamic d = 1;", "dynamic")]
    [InlineData("class C { ~C() { } }", "finalizers")]
    [InlineData("[System.Runtime.CompilerServices.ModuleInitializer] static void Init() { }", "attributes")]
    [InlineData("[System.Runtime.InteropServices.DllImport(\"libc\")] static extern int getpid();", "attributes")]
    public void Unsafe_constructs_are_refused(string source, string expected)
    {
        var result = Compiler.Compile(source + "\nreturn 1;");

        Assert.False(result.Succeeded);
        Assert.Contains(result.Diagnostics, d => d.Message.Contains(expected, StringComparison.Ordinal) || d.Code.StartsWith("CS", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("#r \"/etc/passwd\"\nreturn 1;")]
    [InlineData("#load \"/etc/shadow\"\nreturn 1;")]
    public void Reference_and_load_directives_are_refused_before_compiling_and_echo_nothing(string source)
    {
        var result = Compiler.Compile(source);

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("SR0004", diagnostic.Code);
        Assert.DoesNotContain("root:", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_newline_stays_allowed()
    {
        Assert.True(Compiler.Compile("return \"a\" + Environment.NewLine;").Succeeded);
    }

    [Theory]
    [InlineData("return context.InputJson.ToUpperInvariant().Trim().Split(',').Length;")]
    [InlineData("var items = context.Input![\"items\"]!.AsArray().Select(i => (int)i!).Where(i => i > 1).Sum(); return items;")]
    [InlineData("var o = new JsonObject { [\"a\"] = 1, [\"b\"] = new JsonArray(1, 2) }; return o.ToJsonString();")]
    [InlineData("var r = new Regex(\"(\\\\d+)-(\\\\d+)\", RegexOptions.None, TimeSpan.FromMilliseconds(50)); return r.Match(\"12-34\").Groups[2].Value;")]
    [InlineData("decimal total = 19.99m * 3; return Math.Round(total, 2, MidpointRounding.AwayFromZero);")]
    [InlineData("return new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero).AddDays(7).ToString(\"O\", CultureInfo.InvariantCulture);")]
    [InlineData("return \"Basic \" + Convert.ToBase64String(Encoding.UTF8.GetBytes(\"user:\" + context.Secrets[\"Password\"]));")]
    [InlineData("using System.Security.Cryptography;\nvar mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(context.Secrets[\"Key\"]), Encoding.UTF8.GetBytes(context.InputJson)); return Convert.ToHexString(mac).ToLowerInvariant();")]
    [InlineData("record Order(int Id, decimal Total);\nvar o = new Order(1, 5m); return o switch { { Total: > 1m } => \"big\", _ => \"small\" };")]
    [InlineData("int Fib(int n) => n < 2 ? n : Fib(n - 1) + Fib(n - 2); return Fib(10);")]
    [InlineData("await Task.Delay(1); return 1;")]
    [InlineData("var sb = new StringBuilder(); foreach (var (k, v) in new Dictionary<string, int> { [\"a\"] = 1 }) sb.Append(k).Append(v); context.Log(sb.ToString()); return sb.ToString();")]
    [InlineData("return System.Numerics.BigInteger.Pow(2, 100).ToString();")]
    [InlineData("return Guid.NewGuid().ToString().Length + context.Run.Node.Length;")]
    public void Legitimate_scripts_compile(string source)
    {
        var result = Compiler.Compile(source);

        Assert.True(result.Succeeded, string.Join("; ", result.Diagnostics));
        Assert.NotEmpty(result.Image!);
    }

    [Fact]
    public void Syntax_and_type_errors_are_reported_like_a_compiler()
    {
        var result = Compiler.Compile("var x = ;\nreturn y;");

        Assert.Contains(result.Diagnostics, d => d.Code.StartsWith("CS", StringComparison.Ordinal) && d.Line == 1);
    }

    [Fact]
    public void An_oversized_script_is_refused_before_parsing()
    {
        var result = Compiler.Compile("return 1;" + new string(' ', ScriptCompiler.MaxSourceLength));

        Assert.Contains("limit exceeded", Assert.Single(result.Diagnostics).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_cache_key_changes_with_the_source()
    {
        Assert.Equal(ScriptCompiler.CacheKey("return 1;"), ScriptCompiler.CacheKey("return 1;"));
        Assert.NotEqual(ScriptCompiler.CacheKey("return 1;"), ScriptCompiler.CacheKey("return 2;"));
    }
}
