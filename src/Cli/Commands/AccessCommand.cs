using System.CommandLine;
using System.Globalization;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Access;

namespace Secrets.Runtime.Cli.Commands;

/// <summary><c>access grant|list|revoke</c>: the role grants the server authenticates users with.</summary>
internal static class AccessCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("access", "Manage role grants: which user is reader, writer or admin of an organization or project (used by `serve`)");
        command.Subcommands.Add(Grant(context));
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(Revoke(context));
        return command;
    }

    private static Command Grant(CliContext context)
    {
        var user = new Argument<string>("USER") { Description = "The user to grant the role to" };
        var (organization, project) = Target();
        var role = new Option<string>("--role") { Description = "reader (see and use secrets), writer (also create them) or admin (everything, including grants)", Required = true };
        var command = new Command("grant", "Grant USER a role on an organization or project (replaces the role USER held there)") { user, organization, project, role };
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var (scope, owner) = Resolve(parse, organization, project);
            var granted = RoleText.Parse(CliInput.Choice(parse, role, "reader", "writer", "admin"));
            await using var runtime = await context.OpenRuntimeAsync(parse, ct).ConfigureAwait(false);
            var store = (SecretStore)runtime.Store;
            var result = await store.Access.GrantAsync(context.Principal(parse), parse.GetValue(user)!, new RoleGrant(scope, owner, granted), ct).ConfigureAwait(false);
            await context.Console.Out.WriteLineAsync($"granted: {result.UserId} is {RoleText.Format(granted)} of {scope.ToText()} {owner}").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command List(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "One JSON array: user, scope, owner, role, grantedAt, grantedBy" };
        var command = new Command("list", "List role grants") { json };
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            await using var runtime = await context.OpenExistingRuntimeAsync(parse, ct).ConfigureAwait(false);
            var store = (SecretStore)runtime.Store;
            var grants = await store.Access.ListGrantsAsync(context.Principal(parse), null, ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                var array = new System.Text.Json.Nodes.JsonArray(grants.Select(g => (System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject
                {
                    ["user"] = g.UserId,
                    ["scope"] = g.Grant.Scope.ToText(),
                    ["owner"] = g.Grant.Owner,
                    ["role"] = RoleText.Format(g.Grant.Role),
                    ["grantedAt"] = g.GrantedAt,
                    ["grantedBy"] = g.GrantedBy,
                }).ToArray());
                await context.Console.Out.WriteLineAsync(array.ToJsonString(CliJson.Options)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            await TableWriter.WriteAsync(context.Console.Out, ["USER", "SCOPE", "OWNER", "ROLE", "GRANTED", "BY"], grants.Select(g => new[]
            {
                g.UserId, g.Grant.Scope.ToText(), g.Grant.Owner, RoleText.Format(g.Grant.Role), g.GrantedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), g.GrantedBy,
            }).ToList()).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Revoke(CliContext context)
    {
        var user = new Argument<string>("USER") { Description = "The user whose role to remove" };
        var (organization, project) = Target();
        var command = new Command("revoke", "Remove the role USER holds on an organization or project") { user, organization, project };
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var (scope, owner) = Resolve(parse, organization, project);
            await using var runtime = await context.OpenExistingRuntimeAsync(parse, ct).ConfigureAwait(false);
            var store = (SecretStore)runtime.Store;
            await store.Access.RevokeGrantAsync(context.Principal(parse), parse.GetValue(user)!, scope, owner, ct).ConfigureAwait(false);
            await context.Console.Out.WriteLineAsync($"revoked: {parse.GetValue(user)} has no role on {scope.ToText()} {owner}").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static (Option<string?> Organization, Option<string?> Project) Target() =>
        (new Option<string?>("--organization") { Description = "An organization id, or * for every one" },
         new Option<string?>("--project") { Description = "A project id, or * for every one" });

    private static (SecretScope Scope, string Owner) Resolve(ParseResult parse, Option<string?> organization, Option<string?> project) =>
        (parse.GetValue(organization), parse.GetValue(project)) switch
        {
            ({ Length: > 0 } o, null) => (SecretScope.Organization, o),
            (null, { Length: > 0 } p) => (SecretScope.Project, p),
            _ => throw new StoreException(CliErrors.GrantTargetInvalidCode, Redaction.ErrorKind.InvalidInput, "name exactly one of --organization ORG or --project PROJECT"),
        };
}
