using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Sandbox;
using Secrets.Runtime.Hosting;
using Secrets.Runtime.Sandbox.Expressions;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Cli.Commands;

/// <summary><c>eval EXPRESSION...</c>: evaluates JavaScript expressions as the expression nodes of one run would, results masked.</summary>
internal static class EvalCommand
{
    public static Command Create(CliContext context)
    {
        var expressions = new Argument<string[]>("EXPRESSION") { Description = "JavaScript expressions, evaluated in order", Arity = ArgumentArity.OneOrMore };
        var allow = new Option<string[]>("--allow") { Description = "Secrets the expressions may read (default: exactly the names each references)", AllowMultipleArgumentsPerToken = false };
        var secretsFile = new Option<string?>("--secrets-file") { Description = "Test values from a .env or JSON object file, instead of the store" };
        var input = new Option<string?>("--input") { Description = "Input as JSON (available as inputs)" };
        var json = new Option<bool>("--json") { Description = "One JSON line per expression: {status, value, error}" };
        var project = new Option<string?>("--project") { Description = "Project whose secrets are looked up first" };
        var command = new Command("eval", "Evaluate JavaScript expressions in the sandbox, with secrets, as expression nodes would") { expressions, allow, secretsFile, input, json, project };
        command.SetAction((parse, ct) =>
        {
            // Started by CliApplication already when the arguments began with eval; this covers the forms it does not recognise.
            ExpressionEvaluator.PrepareInBackground();
            var redactor = new SecretRedactor();
            return context.RunAsync(parse, async () =>
            {
                var list = parse.GetValue(expressions)!;
                var allowed = parse.GetValue(allow) is { Length: > 0 } names ? names.Select(n => CliInput.Name(context, n, "--allow").Value).ToList() : null;
                var inputs = RunCommand.ParseInput(parse.GetValue(input));
                var values = parse.GetValue(secretsFile) is { } file ? await TestValues.ReadAsync(context, file, ct).ConfigureAwait(false) : null;

                // Nothing to resolve: no store is opened, nothing decrypted or audited (and `eval '1+1'` starts faster).
                var resolves = allowed is not null || list.Any(e => ExpressionEvaluator.FindSecretReferences(e).Any());
                await using var runtime = values is null && resolves
                    ? await context.OpenExistingRuntimeAsync(parse, ct, redactor, o => o.PrewarmExpressions = true).ConfigureAwait(false)
                    : await context.OpenRuntimeAsync(parse, ct, redactor, o =>
                    {
                        o.TestValues = values ?? new Dictionary<string, string>();
                        o.PrewarmExpressions = true;
                    }).ConfigureAwait(false);
                if (values is not null)
                {
                    // Every test value is masked, also one an expression reaches without naming it.
                    await runtime.RegisterValuesAsync(context.Principal(parse), cancellationToken: ct).ConfigureAwait(false);
                }

                var results = await runtime.EvaluateAsync(context.Principal(parse), new EvaluationRequest { Expressions = list, Allow = allowed, Input = inputs, Project = parse.GetValue(project) }, ct).ConfigureAwait(false);
                foreach (var result in results)
                {
                    await (result.Status == ExpressionStatus.Ok || parse.GetValue(json) ? context.Console.Out : context.Console.Error).WriteLineAsync(redactor.Redact(Line(result, parse.GetValue(json)))).ConfigureAwait(false);
                }

                // The most severe outcome decides: limit 4 > rejected 3 > error 1 > ok 0.
                return results.Max(r => ExitCodes.ForOutcome(r.Kind));
            }, redactor);
        });
        return command;
    }

    /// <summary>How one result is printed: its JSON value (<c>undefined</c> as such), or its status and error; in JSON mode one object, with no <c>value</c> for undefined.</summary>
    private static string Line(ExpressionResult result, bool json)
    {
        if (json)
        {
            var line = new JsonObject { ["status"] = ExitCodes.StatusOf(result.Kind) };
            if (!result.IsUndefined)
            {
                line["value"] = result.Value?.DeepClone();
            }

            line["error"] = result.Error;
            if (result.Code is { } code)
            {
                line["code"] = code;
            }

            if (result.Limit is { } limit)
            {
                line["limit"] = limit.ToText();
            }

            return line.ToJsonString(CliJson.Options);
        }

        return result.Status != ExpressionStatus.Ok ? $"{ExitCodes.StatusOf(result.Kind)}: {result.Error}"
            : result.IsUndefined ? "undefined"
            : result.Value?.ToJsonString(CliJson.Options) ?? "null";
    }
}
