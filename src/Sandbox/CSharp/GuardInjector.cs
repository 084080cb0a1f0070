using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Secrets.Runtime.Sandbox.CSharp;

/// <summary>
/// Rewrites a checked script so that it cannot run away: every loop body and every <c>goto</c> starts with
/// <see cref="ScriptGuard.Tick"/>, every body of a method, local function, lambda, anonymous method, constructor,
/// operator or accessor starts with <see cref="ScriptGuard.Enter"/> (expression bodies become blocks; an async body starts
/// with <see cref="ScriptGuard.EnterAsync"/> and runs inside a <c>try</c> whose <c>finally</c> is
/// <see cref="ScriptGuard.ExitAsync"/>, so the worker counts async work the script left running), and every
/// <c>catch</c> is filtered by <see cref="ScriptGuard.CanCatch"/>. Whether an expression body returns its value is
/// read off the syntax where the syntax decides it (a declared return type, a body that could not be a statement);
/// only the rest (a call or an assignment in a lambda, an async body of an aliased type) asks the semantic model, so
/// most scripts are rewritten without binding anything and the guarded copy starts compiling at once.
/// </summary>
internal sealed class GuardInjector : CSharpSyntaxRewriter
{
    /// <summary>Bumped whenever the injected code changes; part of the compilation cache key.</summary>
    public const int Version = 2;

    private const string Guard = "global::Secrets.Runtime.Sandbox.CSharp.ScriptGuard";
    private static readonly StatementSyntax TickCall = ParseStatement($"{Guard}.Tick();");
    private static readonly StatementSyntax EnterCall = ParseStatement($"{Guard}.Enter();");
    private static readonly ExpressionSyntax CanCatchCall = ParseExpression($"{Guard}.CanCatch()");
    private static readonly StatementSyntax EnterAsyncCall = ParseStatement($"{Guard}.EnterAsync();");
    private static readonly FinallyClauseSyntax ExitAsyncFinally = FinallyClause(Block(ParseStatement($"{Guard}.ExitAsync();")));
    private readonly SemanticModel _model;
    private readonly bool _aliases;

    private GuardInjector(SemanticModel model, bool aliases) => (_model, _aliases) = (model, aliases);

    /// <summary>The guarded copy of <paramref name="tree"/>; <paramref name="model"/> is the original's, asked only where the syntax cannot tell.</summary>
    public static SyntaxTree Inject(SyntaxTree tree, SemanticModel model)
    {
        var root = tree.GetRoot();

        // An alias can rename Task; with one in the script, an async body's result is the model's to say.
        var aliases = root.DescendantNodes(n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax).OfType<UsingDirectiveSyntax>().Any(u => u.Alias is not null);
        return tree.WithRootAndOptions(new GuardInjector(model, aliases).Visit(root)!, tree.Options);
    }

    /// <summary>Every loop body starts with a tick, whatever the kind of loop.</summary>
    public override SyntaxNode? Visit(SyntaxNode? node) => base.Visit(node) switch
    {
        WhileStatementSyntax loop => loop.WithStatement(Prepend(TickCall, loop.Statement)),
        DoStatementSyntax loop => loop.WithStatement(Prepend(TickCall, loop.Statement)),
        ForStatementSyntax loop => loop.WithStatement(Prepend(TickCall, loop.Statement)),
        CommonForEachStatementSyntax loop => loop.WithStatement(Prepend(TickCall, loop.Statement)),
        var other => other,
    };

    public override SyntaxNode? VisitGotoStatement(GotoStatementSyntax node) =>
        Block(TickCall, (StatementSyntax)base.VisitGotoStatement(node)!);

    public override SyntaxNode? VisitCatchClause(CatchClauseSyntax node)
    {
        var n = (CatchClauseSyntax)base.VisitCatchClause(node)!;
        var filter = n.Filter is { } existing
            ? BinaryExpression(SyntaxKind.LogicalAndExpression, CanCatchCall, ParenthesizedExpression(existing.FilterExpression))
            : CanCatchCall;
        return n.WithFilter(CatchFilterClause(filter));
    }

    public override SyntaxNode? VisitMethodDeclaration(MethodDeclarationSyntax node)
    {
        var returns = node.ExpressionBody is not null && BodyReturns(node, node.ReturnType, node.Modifiers);
        var n = (MethodDeclarationSyntax)base.VisitMethodDeclaration(node)!;
        return n.Body is null && n.ExpressionBody is null ? n : n.WithBody(Counted(Guarded(n.Body, n.ExpressionBody, returns), n.Modifiers)).WithExpressionBody(null).WithSemicolonToken(default);
    }

    public override SyntaxNode? VisitLocalFunctionStatement(LocalFunctionStatementSyntax node)
    {
        var returns = node.ExpressionBody is not null && BodyReturns(node, node.ReturnType, node.Modifiers);
        var n = (LocalFunctionStatementSyntax)base.VisitLocalFunctionStatement(node)!;
        return n.WithBody(Counted(Guarded(n.Body, n.ExpressionBody, returns), n.Modifiers)).WithExpressionBody(null).WithSemicolonToken(default);
    }

    public override SyntaxNode? VisitConstructorDeclaration(ConstructorDeclarationSyntax node)
    {
        var n = (ConstructorDeclarationSyntax)base.VisitConstructorDeclaration(node)!;
        return n.Body is null && n.ExpressionBody is null ? n : n.WithBody(Guarded(n.Body, n.ExpressionBody, returns: false)).WithExpressionBody(null).WithSemicolonToken(default);
    }

    public override SyntaxNode? VisitOperatorDeclaration(OperatorDeclarationSyntax node)
    {
        var n = (OperatorDeclarationSyntax)base.VisitOperatorDeclaration(node)!;
        return n.WithBody(Guarded(n.Body, n.ExpressionBody, returns: true)).WithExpressionBody(null).WithSemicolonToken(default);
    }

    public override SyntaxNode? VisitConversionOperatorDeclaration(ConversionOperatorDeclarationSyntax node)
    {
        var n = (ConversionOperatorDeclarationSyntax)base.VisitConversionOperatorDeclaration(node)!;
        return n.WithBody(Guarded(n.Body, n.ExpressionBody, returns: true)).WithExpressionBody(null).WithSemicolonToken(default);
    }

    public override SyntaxNode? VisitAccessorDeclaration(AccessorDeclarationSyntax node)
    {
        var returns = node.IsKind(SyntaxKind.GetAccessorDeclaration);
        var n = (AccessorDeclarationSyntax)base.VisitAccessorDeclaration(node)!;

        // Auto-properties (no body) stay as they are: they run no script code.
        return n.Body is null && n.ExpressionBody is null ? n : n.WithBody(Guarded(n.Body, n.ExpressionBody, returns)).WithExpressionBody(null).WithSemicolonToken(default);
    }

    public override SyntaxNode? VisitPropertyDeclaration(PropertyDeclarationSyntax node)
    {
        var n = (PropertyDeclarationSyntax)base.VisitPropertyDeclaration(node)!;
        return n.ExpressionBody is null ? n : n.WithAccessorList(Getter(n.ExpressionBody)).WithExpressionBody(null).WithSemicolonToken(default);
    }

    public override SyntaxNode? VisitIndexerDeclaration(IndexerDeclarationSyntax node)
    {
        var n = (IndexerDeclarationSyntax)base.VisitIndexerDeclaration(node)!;
        return n.ExpressionBody is null ? n : n.WithAccessorList(Getter(n.ExpressionBody)).WithExpressionBody(null).WithSemicolonToken(default);
    }

    public override SyntaxNode? VisitAnonymousMethodExpression(AnonymousMethodExpressionSyntax node)
    {
        var n = (AnonymousMethodExpressionSyntax)base.VisitAnonymousMethodExpression(node)!;
        return n.WithBlock(Counted(Prepend(EnterCall, n.Block), n.Modifiers));
    }

    public override SyntaxNode? VisitSimpleLambdaExpression(SimpleLambdaExpressionSyntax node)
    {
        var returns = LambdaReturns(node);
        var n = (SimpleLambdaExpressionSyntax)base.VisitSimpleLambdaExpression(node)!;
        return n.WithBlock(Counted(Guarded(n.Block, n.ExpressionBody, returns), n.Modifiers)).WithExpressionBody(null);
    }

    public override SyntaxNode? VisitParenthesizedLambdaExpression(ParenthesizedLambdaExpressionSyntax node)
    {
        var returns = LambdaReturns(node);
        var n = (ParenthesizedLambdaExpressionSyntax)base.VisitParenthesizedLambdaExpression(node)!;
        return n.WithBlock(Counted(Guarded(n.Block, n.ExpressionBody, returns), n.Modifiers)).WithExpressionBody(null);
    }

    /// <summary>
    /// An async body (its first statement the guard's <c>Enter</c>) becomes <c>EnterAsync(); try { rest } finally {
    /// ExitAsync(); }</c>: it counts as running from its start until it completes, including while it waits at an
    /// await. Any other body is returned as it is.
    /// </summary>
    private static BlockSyntax Counted(BlockSyntax guarded, SyntaxTokenList modifiers) => modifiers.Any(SyntaxKind.AsyncKeyword)
        ? Block(EnterAsyncCall, TryStatement(guarded.WithStatements(guarded.Statements.RemoveAt(0)), default, ExitAsyncFinally))
        : guarded;

    private static AccessorListSyntax Getter(ArrowExpressionClauseSyntax body) =>
        AccessorList(SingletonList(AccessorDeclaration(SyntaxKind.GetAccessorDeclaration, Guarded(null, body, returns: true))));

    private static BlockSyntax Guarded(BlockSyntax? block, ArrowExpressionClauseSyntax? arrow, bool returns) =>
        Guarded(block, arrow?.Expression, returns);

    private static BlockSyntax Guarded(BlockSyntax? block, ExpressionSyntax? expression, bool returns) =>
        block is not null ? Prepend(EnterCall, block) : Guarded(expression, returns);

    private static BlockSyntax Guarded(ExpressionSyntax? expression, bool returns) => expression switch
    {
        null => Block(EnterCall),
        ThrowExpressionSyntax thrown => Block(EnterCall, ThrowStatement(thrown.Expression.WithoutTrivia())),
        _ => Block(EnterCall, returns ? ReturnStatement(expression.WithoutTrivia()) : ExpressionStatement(expression.WithoutTrivia())),
    };

    /// <summary>
    /// Whether a lambda's expression body is its result. Only a statement expression (a call, an assignment, an
    /// increment, <c>await</c>, <c>new</c>) can be the body of a lambda that returns nothing; any other body is the
    /// result. For a statement expression the target delegate decides, which only the model knows.
    /// </summary>
    private bool LambdaReturns(LambdaExpressionSyntax lambda) => lambda.ExpressionBody switch
    {
        null or ThrowExpressionSyntax => false,
        InvocationExpressionSyntax or BaseObjectCreationExpressionSyntax or AssignmentExpressionSyntax or AwaitExpressionSyntax or ConditionalAccessExpressionSyntax
            or PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression or (int)SyntaxKind.PreDecrementExpression }
            or PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PostIncrementExpression or (int)SyntaxKind.PostDecrementExpression } =>
            ReturnsValue(_model.GetSymbolInfo(lambda).Symbol),
        _ => true,
    };

    /// <summary>
    /// Whether an expression-bodied method's body is its result, from its declared return type: not for <c>void</c>,
    /// yes for any other type unless it is async, where a plain <c>Task</c> or <c>ValueTask</c> returns nothing and a
    /// generic one returns its argument. Null (ask the model) for an async method of any other type or when an alias
    /// could have renamed one.
    /// </summary>
    private bool BodyReturns(SyntaxNode declaration, TypeSyntax type, SyntaxTokenList modifiers) =>
        DeclaredReturns(type, modifiers) ?? ReturnsValue(_model.GetDeclaredSymbol(declaration));

    /// <summary>The declared return type's answer to <see cref="BodyReturns"/>, or null when it has none.</summary>
    private bool? DeclaredReturns(TypeSyntax type, SyntaxTokenList modifiers)
    {
        if (type is PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.VoidKeyword })
        {
            return false;
        }

        if (!modifiers.Any(SyntaxKind.AsyncKeyword))
        {
            return true;
        }

        var name = type switch { QualifiedNameSyntax q => q.Right, AliasQualifiedNameSyntax a => a.Name, SimpleNameSyntax s => s, _ => null };
        return _aliases || name?.Identifier.Text is not ("Task" or "ValueTask") ? null : name is GenericNameSyntax;
    }

    private static BlockSyntax Prepend(StatementSyntax first, StatementSyntax body) =>
        body is BlockSyntax block ? block.WithStatements(block.Statements.Insert(0, first)) : Block(first, body);

    /// <summary>True when a body's expression is its result: not void, and not an async method returning a plain Task.</summary>
    private static bool ReturnsValue(ISymbol? symbol) => symbol is IMethodSymbol method
        && !method.ReturnsVoid
        && !(method.IsAsync && method.ReturnType is INamedTypeSymbol { IsGenericType: false, Name: "Task" or "ValueTask" });
}
