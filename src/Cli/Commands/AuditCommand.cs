using System.CommandLine;
using System.Globalization;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Cli.Commands;

/// <summary><c>audit [--since WHEN]</c>.</summary>
internal static class AuditCommand
{
    public static Command Create(CliContext context)
    {
        var since = new Option<string?>("--since") { Description = "A time (2026-11-24, 2026-11-24T10:00Z) or an age (30m, 12h, 7d)" };
        var json = new Option<bool>("--json") { Description = "One JSON array: at, actor, action, scope, owner, name, version, detail" };
        var limit = new Option<int?>("--limit") { Description = "At most this many entries, the newest (1 to 1000000; default: all)" };
        var command = new Command("audit", "Show the audit log: who did what to which secret, never a value") { since, json, limit };
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var from = parse.GetValue(since) is { } text ? ParseSince(text, context.Time) : (DateTimeOffset?)null;
            var count = CliInput.InRange(parse, limit, 1, 1_000_000, "entries") ?? int.MaxValue;
            await using var runtime = await context.OpenExistingRuntimeAsync(parse, ct).ConfigureAwait(false);
            var store = runtime.Store;
            var all = await store.AuditAsync(context.Principal(parse), from, ct).ConfigureAwait(false);
            var entries = all.Skip(Math.Max(0, all.Count - count)).ToList();
            if (parse.GetValue(json))
            {
                var array = new System.Text.Json.Nodes.JsonArray(entries.Select(e => (System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject
                {
                    ["at"] = e.At,
                    ["actor"] = e.Actor,
                    ["action"] = e.Action,
                    ["scope"] = e.Scope?.ToText(),
                    ["owner"] = e.Owner,
                    ["name"] = e.Name,
                    ["version"] = e.Version,
                    ["detail"] = e.Detail,
                }).ToArray());
                await context.Console.Out.WriteLineAsync(array.ToJsonString(CliJson.Options)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            await TableWriter.WriteAsync(context.Console.Out, ["WHEN", "WHO", "ACTION", "SECRET", "VERSION", "DETAIL"], entries.Select(e => new[]
            {
                e.At.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                e.Actor,
                e.Action,
                e.Scope is null ? "-" : $"{e.Scope.Value.ToText()}/{e.Owner}/{e.Name ?? "*"}",
                e.Version?.ToString(CultureInfo.InvariantCulture) ?? "-",
                e.Detail ?? string.Empty,
            }).ToList()).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    internal static DateTimeOffset ParseSince(string text, TimeProvider time)
    {
        var trimmed = text.Trim();
        if (trimmed.Length > 1 && double.TryParse(trimmed[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount >= 0)
        {
            TimeSpan? age = trimmed[^1] switch { 'm' => TimeSpan.FromMinutes(amount), 'h' => TimeSpan.FromHours(amount), 'd' => TimeSpan.FromDays(amount), _ => null };
            if (age is { } span)
            {
                return time.GetUtcNow() - span;
            }
        }

        return DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : throw CliErrors.SinceInvalid("--since is neither a time (2026-11-24T10:00Z) nor an age (30m, 12h, 7d)");
    }
}
