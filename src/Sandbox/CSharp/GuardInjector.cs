using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Secrets.Runtime.Sandbox.CSharp;

/// <summary>
/// Rewrites a checked script so that it cannot run away: every loop body and every <c>goto</c> starts with
/// <see cref="ScriptGuard.Tick"/>, every body of a method, local function, lambda, anonymous method, constructor,
/// operator or accessor starts with <see cref="ScriptGuard.Enter"/> (expression bodies become blocks; the semantic
/// model of the original script says whether they return a value), and every <c>catch</c> is filtered by
/// <see cref="ScriptGuard.CanCatch"/>. Runs after the policy check, on the original tree and its model.
/// </summary>
internal sealed class GuardInjector : CSharpSyntaxRewriter
{
    /// <summary>Bumped whenever the injected code changes; part of the compilation cache key.</summary>
    public const int Version = 1;

    private const string Guard = "global::Secrets.Runtime.Sandbox.CSharp.ScriptGuard";
    private static readonly StatementSyntax TickCall = ParseStatement($"{Guard}.Tick();");
    private static readonly StatementSyntax EnterCall = ParseStatement($"{Guard}.Enter();");
    private static readonly ExpressionSyntax CanCatchCall = ParseExpression($"{Guard}.CanCatch()");
    private readonly SemanticModel _model;

    private GuardInjector(SemanticModel model) => _model = model;

    /// <summary>The guarded copy of <paramref name="tree"/>.</summary>
    public static SyntaxTree Inject(SyntaxTree tree, SemanticModel model) =>
        tree.WithRootAndOptions(new GuardInjector(model).Visit(tree.GetRoot())!, tree.Options);

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
        var returns = ReturnsValue(_model.GetDeclaredSymbol(node));
        var n = (MethodDeclarationSyntax)base.VisitMethodDeclaration(node)!;
        return n.Body is null && n.ExpressionBody is null ? n : n.WithBody(Guarded(n.Body, n.ExpressionBody, returns)).WithExpressionBody(null).WithSemicolonToken(default);
    }

    public override SyntaxNode? VisitLocalFunctionStatement(LocalFunctionStatementSyntax node)
    {
        var returns = ReturnsValue(_model.GetDeclaredSymbol(node));
        var n = (LocalFunctionStatementSyntax)base.VisitLocalFunctionStatement(node)!;
        return n.WithBody(Guarded(n.Body, n.ExpressionBody, returns)).WithExpressionBody(null).WithSemicolonToken(default);
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
        return n.WithBlock(Prepend(EnterCall, n.Block));
    }

    public override SyntaxNode? VisitSimpleLambdaExpression(SimpleLambdaExpressionSyntax node)
    {
        var returns = ReturnsValue(_model.GetSymbolInfo(node).Symbol);
        var n = (SimpleLambdaExpressionSyntax)base.VisitSimpleLambdaExpression(node)!;
        return n.WithBlock(Guarded(n.Block, n.ExpressionBody, returns)).WithExpressionBody(null);
    }

    public override SyntaxNode? VisitParenthesizedLambdaExpression(ParenthesizedLambdaExpressionSyntax node)
    {
        var returns = ReturnsValue(_model.GetSymbolInfo(node).Symbol);
        var n = (ParenthesizedLambdaExpressionSyntax)base.VisitParenthesizedLambdaExpression(node)!;
        return n.WithBlock(Guarded(n.Block, n.ExpressionBody, returns)).WithExpressionBody(null);
    }

    private static AccessorListSyntax Getter(ArrowExpressionClauseSyntax body) =>
        AccessorList(SingletonList(AccessorDeclaration(SyntaxKind.GetAccessorDeclaration, Guarded(null, body, returns: true))));

    private static BlockSyntax Guarded(BlockSyntax? block, ArrowExpressionClauseSyntax? arrow, bool returns) =>
        Guarded(block, arrow?.Expression, returns);

    private static BlockSyntax Guarded(BlockSyntax? block, ExpressionSyntax? expression, bool returns) =>
        block is not null ? Prepend(EnterCall, block) : Guarded(expression, returns);

    private static BlockSyntax Guarded(ExpressionSyntax? expression, bool returns) =>
        expression is null ? Block(EnterCall)
        : Block(EnterCall, returns ? ReturnStatement(expression.WithoutTrivia()) : ExpressionStatement(expression.WithoutTrivia()));

    private static BlockSyntax Prepend(StatementSyntax first, StatementSyntax body) =>
        body is BlockSyntax block ? block.WithStatements(block.Statements.Insert(0, first)) : Block(first, body);

    /// <summary>True when a body's expression is its result: not void, and not an async method returning a plain Task.</summary>
    private static bool ReturnsValue(ISymbol? symbol) => symbol is IMethodSymbol method
        && !method.ReturnsVoid
        && !(method.IsAsync && method.ReturnType is INamedTypeSymbol { IsGenericType: false, Name: "Task" or "ValueTask" });
}
