using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Versions;

namespace Secrets.Runtime.Cli.Commands;

/// <summary><c>secret versions NAME</c> and <c>secret restore NAME --version N</c>: the history of a value, never the value.</summary>
internal static class SecretVersionCommands
{
    public static Command Versions(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Secret name" };
        var json = new Option<bool>("--json") { Description = "One JSON array: version, createdAt, createdBy, source, length, restoredFrom" };
        var scope = new ScopeOptions();
        var command = new Command("versions", "List the versions of a secret's value, newest first: when, by whom, how (set, import, restore, rotate); never a value") { name, json };
        scope.AddTo(command);
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var secretName = CliInput.Name(context, parse.GetValue(name));
            var (secretScope, owner) = scope.Resolve(parse, context.User(parse));
            await using var runtime = await context.OpenExistingRuntimeAsync(parse, ct).ConfigureAwait(false);
            var store = (SecretStore)runtime.Store;
            var versions = await store.VersionsAsync(context.Principal(parse), secretScope, owner, secretName, ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                var array = new JsonArray(versions.Select(v => (JsonNode)new JsonObject
                {
                    ["version"] = v.Version,
                    ["createdAt"] = v.CreatedAt,
                    ["createdBy"] = v.CreatedBy,
                    ["source"] = v.Source.ToText(),
                    ["length"] = v.ValueLength,
                    ["restoredFrom"] = v.RestoredFrom,
                }).ToArray());
                await context.Console.Out.WriteLineAsync(array.ToJsonString(CliJson.Options)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            await TableWriter.WriteAsync(context.Console.Out, ["VERSION", "WHEN", "BY", "SOURCE", "BYTES"], versions.Select(v => new[]
            {
                v.Version.ToString(CultureInfo.InvariantCulture),
                v.CreatedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                v.CreatedBy,
                v.RestoredFrom is { } from ? string.Create(CultureInfo.InvariantCulture, $"restore of {from}") : v.Source.ToText(),
                v.ValueLength.ToString(CultureInfo.InvariantCulture),
            }).ToList()).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Restore(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Secret name" };
        var version = new Option<int?>("--version") { Description = "The version whose value becomes the new current version (see `secret versions NAME`)", Required = true };
        var scope = new ScopeOptions();
        var command = new Command("restore", "Make a new version of a secret with the value an earlier version had (the history is kept; nothing is printed but numbers)") { name, version };
        scope.AddTo(command);
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var secretName = CliInput.Name(context, parse.GetValue(name));
            var (secretScope, owner) = scope.Resolve(parse, context.User(parse));
            var from = CliInput.InRange(parse, version, 1, int.MaxValue, "(a version number)")!.Value;
            await using var runtime = await context.OpenExistingRuntimeAsync(parse, ct).ConfigureAwait(false);
            var store = (SecretStore)runtime.Store;
            var restored = await store.RestoreAsync(context.Principal(parse), secretScope, owner, secretName, from, ifMatch: null, ct).ConfigureAwait(false);
            await context.Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"restored {restored.Name.Value} in {restored.Scope.ToText()} '{restored.Owner}' to the value of version {from} (now version {restored.Version}, {restored.ValueLength} bytes)")).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
