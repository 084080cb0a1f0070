using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Secrets.Runtime.Sandbox.CSharp;
using Secrets.Runtime.Sandbox.Expressions;
using Secrets.Runtime.Sandbox.Workers;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Benchmarks;

/// <summary>
/// Per-node overhead of the executor: a workflow of expression nodes and one of code nodes running one cached
/// script, each against the node's own work called directly (the baseline).
/// </summary>
public sealed class WorkflowQuickBenchmark : IQuickBenchmark
{
    private const int ExpressionNodes = 200;
    private const int CodeNodes = 20;
    private const string Script = "return context.Secrets[\"Key\"].Length + 1;";

    public string Name => "workflow";

    private static (RunRecord Run, double TotalNs) MedianRun(WorkflowExecutor executor, WorkflowDefinition workflow, RunRequest request)
    {
        for (var i = 0; i < 5; i++)
        {
            executor.RunAsync(workflow, request).GetAwaiter().GetResult();
        }

        var runs = new List<(RunRecord, double)>();
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            var run = executor.RunAsync(workflow, request).GetAwaiter().GetResult();
            runs.Add((run, clock.Elapsed.TotalNanoseconds));
        }

        return runs.OrderBy(r => r.Item2).ElementAt(2);
    }

    public IEnumerable<QuickRow> Run()
    {
        var home = Directory.CreateTempSubdirectory("bench-wf-").FullName;
        try
        {
            using var store = SecretStore.OpenAsync(new StoreOptions
            {
                Home = home,
                Environment = new Dictionary<string, string?> { ["SECRETS_RUNTIME_MASTER_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) },
            }).GetAwaiter().GetResult();
            store.SetAsync(Principal.LocalAdmin("bench"), new SecretWrite { Scope = SecretScope.Organization, Owner = "default", Name = SecretName.Parse("API_TOKEN"), Value = "tok-0123456789abcdef" }).GetAwaiter().GetResult();
            using var executor = WorkflowExecutor.Create(store);

            var expressions = Workflow(Enumerable.Range(0, ExpressionNodes).Select(i => new JsonObject { ["id"] = $"e{i}", ["type"] = "expression", ["expression"] = "`Bearer ${secrets.API_TOKEN}`" }));
            var codes = Workflow(Enumerable.Range(0, CodeNodes).Select(i => new JsonObject
            {
                ["id"] = $"c{i}", ["type"] = "code", ["language"] = "csharp", ["source"] = Script,
                ["credentials"] = new JsonArray(new JsonObject { ["secret"] = "API_TOKEN", ["alias"] = "Key" }),
            }));
            var request = new RunRequest { User = "bench" };

            // A warm executor: a few whole runs first, then the median of five measured runs.
            var (exprRun, exprTotal) = MedianRun(executor, expressions, request);
            var exprPerNode = exprTotal / ExpressionNodes;

            using var evaluator = new ExpressionEvaluator();
            var direct = QuickMeasure.Time(() => evaluator.Evaluate(new ExpressionRequest { Expression = "`Bearer ${secrets.API_TOKEN}`", Secrets = new Dictionary<string, string> { ["API_TOKEN"] = "tok-0123456789abcdef" } }), TimeSpan.FromSeconds(1), warmup: 1000);

            var (codeRun, codeTotal) = MedianRun(executor, codes, request);
            var codePerNode = codeTotal / CodeNodes;

            using var runner = new ScriptRunner();
            var scriptRequest = new ScriptRequest { Source = Script, Secrets = new Dictionary<string, string> { ["Key"] = "tok-0123456789abcdef" }, Run = new ScriptRunInfo("r", "w", "n", "manual") };
            runner.RunAsync(scriptRequest).GetAwaiter().GetResult();
            var worker = QuickMeasure.Time(() => runner.RunAsync(scriptRequest).GetAwaiter().GetResult(), TimeSpan.FromSeconds(3), warmup: 20, maxOperations: 500);

            double Mean(RunRecord run, string key) => run.Nodes.Average(n => n.TimingsMs.TryGetValue(key, out var v) ? v : 0) * 1e6;
            return
            [
                new QuickRow(Name, $"expression node, evaluator called directly (baseline), p50", QuickMeasure.Duration(direct.P50Ns)),
                new QuickRow(Name, $"expression node in a {ExpressionNodes}-node workflow, per node", QuickMeasure.Duration(exprPerNode), $"+{QuickMeasure.Duration(exprPerNode - direct.P50Ns)} overhead", "overhead ≤50 µs"),
                new QuickRow(Name, "  of which resolution / evaluation / redaction", $"{QuickMeasure.Duration(Mean(exprRun, "resolution"))} / {QuickMeasure.Duration(Mean(exprRun, "evaluation"))} / {QuickMeasure.Duration(Mean(exprRun, "redaction"))}"),
                new QuickRow(Name, "code node, cached script through ScriptRunner directly, warm worker (baseline), mean", QuickMeasure.Duration(worker.MeanNs)),
                new QuickRow(Name, $"code node in a {CodeNodes}-node workflow, per node", QuickMeasure.Duration(codePerNode), $"+{QuickMeasure.Duration(codePerNode - worker.MeanNs)} overhead", "overhead ≤2 ms"),
                new QuickRow(Name, "  of which resolution / worker / redaction", $"{QuickMeasure.Duration(Mean(codeRun, "resolution"))} / {QuickMeasure.Duration(Mean(codeRun, "worker"))} / {QuickMeasure.Duration(Mean(codeRun, "redaction"))}"),
            ];
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(home, recursive: true);
        }
    }

    private static WorkflowDefinition Workflow(IEnumerable<JsonObject> nodes) =>
        WorkflowLoader.Parse(new JsonObject { ["name"] = "bench", ["project"] = "p", ["owner"] = "bench", ["nodes"] = new JsonArray(nodes.Select(n => (JsonNode)n).ToArray()) }.ToJsonString());
}
