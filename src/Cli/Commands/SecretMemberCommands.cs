using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Access;

namespace Secrets.Runtime.Cli.Commands;

/// <summary>
/// <c>secret members NAME</c>, <c>secret share NAME USER --role member|admin</c> and <c>secret unshare NAME USER</c>:
/// who may use a secret (member) and who may also change it and its members (admin). Admins of the secret's
/// organization or project are implicit admins and cannot be removed; the last explicit admin stays; personal secrets
/// are not shared.
/// </summary>
internal static class SecretMemberCommands
{
    public static Command Members(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Secret name" };
        var json = new Option<bool>("--json") { Description = "One JSON array: user, role, implicit, addedAt, addedBy" };
        var scope = new ScopeOptions();
        var command = new Command("members", "List who may use a secret (member) and who may also change it (admin), with the scope's admins as implicit admins") { name, json };
        scope.AddTo(command);
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var secretName = CliInput.Name(context, parse.GetValue(name));
            var (secretScope, owner) = scope.Resolve(parse, context.User(parse));
            await using var runtime = await context.OpenExistingRuntimeAsync(parse, ct).ConfigureAwait(false);
            var store = (SecretStore)runtime.Store;
            var members = await store.MembersAsync(context.Principal(parse), secretScope, owner, secretName, ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                var array = new JsonArray(members.Select(m => (JsonNode)new JsonObject
                {
                    ["user"] = m.UserId,
                    ["role"] = RoleWord(m.Role),
                    ["implicit"] = m.Implicit,
                    ["addedAt"] = m.AddedAt,
                    ["addedBy"] = m.AddedBy,
                }).ToArray());
                await context.Console.Out.WriteLineAsync(array.ToJsonString(CliJson.Options)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            await TableWriter.WriteAsync(context.Console.Out, ["USER", "ROLE", "HOW", "ADDED", "BY"], members.Select(m => new[]
            {
                m.UserId,
                RoleWord(m.Role),
                m.Implicit ? $"admin of {secretScope.ToText()} '{owner}'" : "explicit",
                m.AddedAt?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? string.Empty,
                m.AddedBy ?? string.Empty,
            }).ToList()).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Share(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Secret name" };
        var user = new Argument<string>("USER") { Description = "The user to share it with" };
        var role = new Option<string>("--role") { Description = "member (may use it in runs and see its metadata) or admin (may also change its value, description and members)", DefaultValueFactory = _ => "member" };
        var scope = new ScopeOptions();
        var command = new Command("share", "Make USER a member or an admin of a secret (replaces USER's role on it); personal secrets cannot be shared") { name, user, role };
        scope.AddTo(command);
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var secretName = CliInput.Name(context, parse.GetValue(name));
            var (secretScope, owner) = scope.Resolve(parse, context.User(parse));
            var memberRole = CliInput.Choice(parse, role, "member", "admin") == "admin" ? SecretMemberRole.Admin : SecretMemberRole.Member;
            await using var runtime = await context.OpenExistingRuntimeAsync(parse, ct).ConfigureAwait(false);
            var store = (SecretStore)runtime.Store;
            var member = await store.PutMemberAsync(context.Principal(parse), secretScope, owner, secretName, parse.GetValue(user)!, memberRole, ct).ConfigureAwait(false);
            await context.Console.Out.WriteLineAsync($"shared {secretName.Value} in {secretScope.ToText()} '{owner}': {member.UserId} is {RoleWord(member.Role)}").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Unshare(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Secret name" };
        var user = new Argument<string>("USER") { Description = "The member to remove" };
        var scope = new ScopeOptions();
        var command = new Command("unshare", "Remove USER's membership of a secret; the last explicit admin and the scope's admins cannot be removed") { name, user };
        scope.AddTo(command);
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var secretName = CliInput.Name(context, parse.GetValue(name));
            var (secretScope, owner) = scope.Resolve(parse, context.User(parse));
            var userId = parse.GetValue(user)!;
            await using var runtime = await context.OpenExistingRuntimeAsync(parse, ct).ConfigureAwait(false);
            var store = (SecretStore)runtime.Store;
            await store.RemoveMemberAsync(context.Principal(parse), secretScope, owner, secretName, userId, ct).ConfigureAwait(false);
            await context.Console.Out.WriteLineAsync($"unshared {secretName.Value} in {secretScope.ToText()} '{owner}': {userId} is no longer a member").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static string RoleWord(SecretMemberRole role) => role == SecretMemberRole.Admin ? "admin" : "member";
}
