using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Secrets.Runtime.Sandbox.CSharp;

/// <summary>
/// Compiles code-node scripts with Roslyn as script submissions over one shared reference set (the allowed framework
/// assemblies and the script-API assembly that holds <see cref="ScriptGlobals"/>, never this one), refuses
/// <c>#r</c> and <c>#load</c> before compiling (the default resolvers would read host files and echo them in
/// diagnostics), and checks every symbol against <see cref="ScriptPolicy"/>. It never runs what it compiles.
/// </summary>
internal sealed class ScriptCompiler
{
    /// <summary>The default usings of every script.</summary>
    public static IReadOnlyList<string> DefaultUsings { get; } =
    [
        "System", "System.Collections.Generic", "System.Linq", "System.Text", "System.Text.RegularExpressions", "System.Text.Json",
        "System.Text.Json.Nodes", "System.Threading.Tasks", "System.Globalization",
    ];

    /// <summary>The largest script accepted, in characters.</summary>
    public const int MaxSourceLength = 64 * 1024;

    private static readonly string[] ReferenceNames =
    [
        "System.Private.CoreLib", "System.Runtime", "System.Collections", "System.Linq", "System.Text.RegularExpressions", "System.Text.Json",
        "System.Memory", "System.Runtime.Numerics", "System.Security.Cryptography", "System.Text.Encodings.Web", "System.Private.Uri", "netstandard",
    ];

    private readonly ImmutableArray<MetadataReference> _references;

    /// <summary>The shared reference set every script compiles against (the compile benchmark gives its baseline the same one).</summary>
    internal ImmutableArray<MetadataReference> References => _references;
    private readonly CSharpCompilationOptions _options;
    private static readonly FrozenSet<string> AssemblyNames = ReferenceNames.Append(typeof(ScriptGlobals).Assembly.GetName().Name!).ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Creates a compiler; the reference set is loaded once and shared by every compilation.</summary>
    public ScriptCompiler()
    {
        var platform = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? string.Empty).Split(Path.PathSeparator);
        _references = platform
            .Where(p => ReferenceNames.Contains(Path.GetFileNameWithoutExtension(p), StringComparer.Ordinal))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(ScriptGlobals).Assembly.Location))
            .ToImmutableArray();
        _options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, usings: DefaultUsings, optimizationLevel: OptimizationLevel.Release,
            allowUnsafe: false, metadataReferenceResolver: null, sourceReferenceResolver: null, concurrentBuild: false);

        // Every script compilation derives from this one by replacing its tree, so the bound reference set (the
        // symbols of CoreLib and the rest) is built once, not per script: most of a cold compile's cost.
        _emptyTree = CSharpSyntaxTree.ParseText(string.Empty, ParseOptions);
        _base = CSharpCompilation.CreateScriptCompilation("node-script", _emptyTree, _references, _options, globalsType: typeof(ScriptGlobals));
        _ = _base.GetDiagnostics();
    }

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, kind: SourceCodeKind.Script);

    /// <summary>Debug information embedded in the image, so a run-time error names the script line it was thrown at.</summary>
    private static readonly Microsoft.CodeAnalysis.Emit.EmitOptions EmitWithLines = new(debugInformationFormat: Microsoft.CodeAnalysis.Emit.DebugInformationFormat.Embedded);
    private readonly SyntaxTree _emptyTree;
    private readonly CSharpCompilation _base;

    /// <summary>Compiles and checks <paramref name="source"/>; the result holds an image or every refusal.</summary>
    public ScriptCompilation Compile(string source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (SizeRefusal(source) is { } tooLong)
        {
            return tooLong;
        }

        var tree = CSharpSyntaxTree.ParseText(source, ParseOptions, cancellationToken: cancellationToken);
        var directives = tree.GetRoot(cancellationToken).DescendantTrivia()
            .Where(t => t.IsKind(SyntaxKind.ReferenceDirectiveTrivia) || t.IsKind(SyntaxKind.LoadDirectiveTrivia))
            .Select(t => Located(t.GetLocation(), "SR0004", "#r and #load are not allowed in code nodes"))
            .ToList();
        if (directives.Count > 0)
        {
            return new ScriptCompilation(null, directives);
        }

        if (tree.GetRoot(cancellationToken).ContainsDiagnostics && AsBlock(source, cancellationToken) is { } block)
        {
            tree = CSharpSyntaxTree.ParseText(block, ParseOptions, cancellationToken: cancellationToken);
        }

        // The runtime guards go into a copy of the author's tree (mostly from syntax alone, so nothing is bound before
        // the copy starts compiling), which is emitted here while the policy walks the author's code on a second core
        // (symbols of code with errors are error types, never allowed ones). The policy is the shorter of the two, so
        // it is the one handed to the pool: a pool thread can take milliseconds to wake on a busy 2-core machine, and
        // if none has by the time the emit is done, the wait runs the walk here. An image is used only when the policy
        // refused nothing. Compiler errors are looked up only when the guarded copy does not emit, so a good script
        // is bound twice (policy, emit), not three times.
        var compilation = _base.ReplaceSyntaxTree(_emptyTree, tree);
        var model = compilation.GetSemanticModel(tree);
        var checking = Task.Run(() => ScriptPolicy.Check(tree, model), cancellationToken);
        using var image = new MemoryStream();
        var emitted = compilation.ReplaceSyntaxTree(tree, GuardInjector.Inject(tree, model)).Emit(image, options: EmitWithLines, cancellationToken: cancellationToken);
        var refusals = checking.GetAwaiter().GetResult();
        if (refusals.Count > 0)
        {
            return new ScriptCompilation(null, refusals);
        }

        if (emitted.Success)
        {
            return Checked(image.ToArray());
        }

        var errors = compilation.GetDiagnostics(cancellationToken)
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => Located(d.Location, d.Id, d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        return errors.Count > 0
            ? new ScriptCompilation(null, errors)
            : Refused(new ScriptDiagnostic(1, 1, "SR0101", $"the guarded script did not compile ({emitted.Diagnostics.First(d => d.Severity == DiagnosticSeverity.Error).Id}); please report this script"));
    }

    private static readonly CSharpParseOptions RegularParseOptions = new(LanguageVersion.Latest, kind: SourceCodeKind.Regular);

    /// <summary>
    /// Script mode reads a top-level <c>using var x = ...;</c> as a using directive (CS1002), so a script with a
    /// top-level using declaration (found by parsing it as a regular program's top-level statements, which is done only
    /// when the script does not parse) is compiled with its statements in one block, the way a regular program's
    /// top-level statements are: from the first statement to the end, its type declarations moved after the block.
    /// <c>#line</c> directives keep every line where the author wrote it (diagnostics and run-time errors name
    /// mapped lines), and nothing but braces, blanks and line directives is added, so the policy and the guards see
    /// exactly the author's code. Null when the script has no top-level using declaration.
    /// </summary>
    internal static string? AsBlock(string source, CancellationToken cancellationToken = default)
    {
        var unit = (Microsoft.CodeAnalysis.CSharp.Syntax.CompilationUnitSyntax)CSharpSyntaxTree.ParseText(source, RegularParseOptions, cancellationToken: cancellationToken).GetRoot(cancellationToken);
        var statements = unit.Members.OfType<Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax>().ToList();
        if (!statements.Any(s => s.Statement is Microsoft.CodeAnalysis.CSharp.Syntax.LocalDeclarationStatementSyntax { UsingKeyword.RawKind: (int)SyntaxKind.UsingKeyword }))
        {
            return null;
        }

        var text = unit.SyntaxTree.GetText(cancellationToken);
        var start = statements[0].SpanStart;
        var line = text.Lines.GetLineFromPosition(start);
        var cut = string.IsNullOrWhiteSpace(source[line.Start..start]) ? line.Start : start;
        var moved = unit.Members.Where(m => m is not Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax && m.SpanStart > start).ToList();
        var body = source.ToCharArray(cut, source.Length - cut);
        foreach (var member in moved)
        {
            for (var i = member.Span.Start; i < member.Span.End; i++)
            {
                if (source[i] is not ('\n' or '\r'))
                {
                    body[i - cut] = ' ';
                }
            }
        }

        var block = new StringBuilder(source.Length + 64 + moved.Count * 16).Append(source, 0, cut);
        if (cut != line.Start)
        {
            block.Append('\n');
        }

        block.Append("{\n#line ").Append(line.LineNumber + 1).Append('\n').Append(body).Append("\n}\n");
        foreach (var member in moved)
        {
            var position = text.Lines.GetLinePosition(member.SpanStart);
            block.Append("#line ").Append(position.Line + 1).Append('\n').Append(' ', position.Character).Append(source, member.SpanStart, member.Span.Length).Append('\n');
        }

        return block.ToString();
    }

    /// <summary>The refusal of a script over <see cref="MaxSourceLength"/>, or null; checked before anything parses it.</summary>
    public static ScriptCompilation? SizeRefusal(string source) => source.Length > MaxSourceLength
        ? Refused(new ScriptDiagnostic(1, 1, "SR0100", $"limit exceeded: script is {source.Length} characters; the limit is {MaxSourceLength}"))
        : null;

    /// <summary>Checks an emitted image (fresh or read back from a cache) against the policy on metadata.</summary>
    public static ScriptCompilation Checked(byte[] image) =>
        ImageCheck.Refusal(image, AssemblyNames) is { } refusal ? Refused(new ScriptDiagnostic(1, 1, "SR0005", refusal)) : new ScriptCompilation(image, []);

    /// <summary>
    /// A stable key for the compilation cache: source, policy version, reference set, runtime and compiler version.
    /// Computed without starting Roslyn (only its assembly version is read), so the host can look up cached images.
    /// </summary>
    public static string CacheKey(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(source + "\n" + KeySuffix)));
    }

    /// <summary>Everything in a cache key but the source: the same for every script, so built once.</summary>
    private static string KeySuffix { get; } = string.Join("\n", [
        $"policy {ScriptPolicy.Version}", $"guards {GuardInjector.Version}", "debug embedded",
        $"roslyn {typeof(CSharpCompilation).Assembly.GetName().Version} runtime {Environment.Version} sandbox {typeof(ScriptCompiler).Assembly.ManifestModule.ModuleVersionId}",
        $"script api {typeof(ScriptGlobals).Assembly.ManifestModule.ModuleVersionId}",
        .. AssemblyNames.Order(StringComparer.Ordinal)]);

    private static ScriptCompilation Refused(ScriptDiagnostic diagnostic) => new(null, [diagnostic]);

    private static ScriptDiagnostic Located(Location location, string code, string message)
    {
        var span = location.GetMappedLineSpan().StartLinePosition;
        return new ScriptDiagnostic(span.Line + 1, span.Character + 1, code, message);
    }
}
