using Secrets.Runtime.Sandbox.Expressions;
using Secrets.Runtime.Sandbox.Workers;

namespace Secrets.Runtime.Workflows.Nodes;

/// <summary>What the executor owns and node runners share: the HTTP client, the expression evaluator and the script runner.</summary>
/// <param name="Http">The client HTTP nodes send through.</param>
/// <param name="Expressions">The evaluator of expression nodes and <c>{{= ... }}</c> parts.</param>
/// <param name="Scripts">The runner of C# code nodes.</param>
internal sealed record NodeRunnerServices(HttpClient Http, ExpressionEvaluator Expressions, ScriptRunner Scripts);
