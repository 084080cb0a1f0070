using System.CommandLine;
using System.Globalization;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Access;

namespace Secrets.Runtime.Cli.Commands;

/// <summary><c>token create|list|revoke</c>: bearer tokens for the server's API.</summary>
internal static class TokenCommand
{
    private static readonly TimeSpan LongestExpiry = TimeSpan.FromDays(3650);

    public static Command Create(CliContext context)
    {
        var command = new Command("token", "Manage bearer tokens for the server's API (stored hashed; a token is shown once)");
        command.Subcommands.Add(CreateToken(context));
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(Revoke(context));
        return command;
    }

    private static Command CreateToken(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "A name to recognise the token by in `token list`" };
        var scopes = new Option<string[]>("--scope") { Description = $"A scope, repeatable: {string.Join(", ", TokenScopes.All)} (default: {string.Join(" and ", TokenScopes.Default)})", AllowMultipleArgumentsPerToken = false };
        var expires = new Option<string?>("--expires") { Description = "When it stops working: an age (90m, 12h, 30d) or a time (2027-01-01T00:00Z); default: never" };
        var command = new Command("create", "Create a token for --user (default: the OS user) and print it, once, alone on stdout") { name, scopes, expires };
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var expiry = parse.GetValue(expires) is { } text ? ParseExpiry(text, context.Time) : (DateTimeOffset?)null;
            await using var runtime = await context.OpenRuntimeAsync(parse, ct).ConfigureAwait(false);
            var store = (SecretStore)runtime.Store;
            var issued = await store.Access.CreateTokenAsync(context.Principal(parse), new TokenRequest
            {
                Name = parse.GetValue(name)!,
                UserId = context.User(parse),
                Scopes = parse.GetValue(scopes) ?? [],
                ExpiresAt = expiry,
            }, ct).ConfigureAwait(false);

            // The token alone on stdout, for `TOKEN=$(secrets-runtime token create ...)`; the rest goes to stderr.
            await context.Console.Out.WriteLineAsync(issued.Bearer).ConfigureAwait(false);
            await context.Console.Error.WriteLineAsync(
                $"created token {issued.Info.Id} '{issued.Info.Name}' for {issued.Info.UserId} ({string.Join(' ', issued.Info.Scopes)}; {Expiry(issued.Info)}): it is shown once and cannot be read back").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command List(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "One JSON array: id, prefix, name, user, scopes, createdAt, createdBy, expiresAt, revokedAt, lastUsedAt, status" };
        var command = new Command("list", "List tokens (never their text)") { json };
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            await using var runtime = await context.OpenExistingRuntimeAsync(parse, ct).ConfigureAwait(false);
            var store = (SecretStore)runtime.Store;
            var tokens = await store.Access.ListTokensAsync(context.Principal(parse), null, ct).ConfigureAwait(false);
            var now = context.Time.GetUtcNow();
            if (parse.GetValue(json))
            {
                var array = new System.Text.Json.Nodes.JsonArray(tokens.Select(t => (System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject
                {
                    ["id"] = t.Id,
                    ["prefix"] = t.Prefix,
                    ["name"] = t.Name,
                    ["user"] = t.UserId,
                    ["scopes"] = new System.Text.Json.Nodes.JsonArray(t.Scopes.Select(s => (System.Text.Json.Nodes.JsonNode?)s).ToArray()),
                    ["createdAt"] = t.CreatedAt,
                    ["createdBy"] = t.CreatedBy,
                    ["expiresAt"] = t.ExpiresAt,
                    ["revokedAt"] = t.RevokedAt,
                    ["lastUsedAt"] = t.LastUsedAt,
                    ["status"] = Status(t, now),
                }).ToArray());
                await context.Console.Out.WriteLineAsync(array.ToJsonString(CliJson.Options)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            await TableWriter.WriteAsync(context.Console.Out, ["ID", "NAME", "USER", "SCOPES", "CREATED", "EXPIRES", "LAST USED", "STATUS"], tokens.Select(t => new[]
            {
                t.Id, t.Name, t.UserId, string.Join(' ', t.Scopes), Time(t.CreatedAt), t.ExpiresAt is { } e ? Time(e) : "never", t.LastUsedAt is { } u ? Time(u) : "-", Status(t, now),
            }).ToList()).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Revoke(CliContext context)
    {
        var id = new Argument<string>("ID") { Description = "The token's id, as `token list` shows it" };
        var command = new Command("revoke", "Revoke a token: it stops working at once") { id };
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            await using var runtime = await context.OpenExistingRuntimeAsync(parse, ct).ConfigureAwait(false);
            var store = (SecretStore)runtime.Store;
            await store.Access.RevokeTokenAsync(context.Principal(parse), parse.GetValue(id)!, ct).ConfigureAwait(false);
            await context.Console.Out.WriteLineAsync($"revoked: token {parse.GetValue(id)} no longer authenticates").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    internal static DateTimeOffset ParseExpiry(string text, TimeProvider time)
    {
        var trimmed = text.Trim();
        var now = time.GetUtcNow();
        DateTimeOffset? at = null;
        if (trimmed.Length > 1 && int.TryParse(trimmed[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var amount) && amount > 0)
        {
            at = trimmed[^1] switch
            {
                'm' => now.AddMinutes(amount),
                'h' => now.AddHours(amount),
                'd' => now.AddDays(amount),
                _ => null,
            };
        }
        else if (DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            at = parsed;
        }

        return at is { } value && value > now && value - now <= LongestExpiry
            ? value
            : throw new StoreException(CliErrors.ExpiresInvalidCode, Redaction.ErrorKind.InvalidInput, "--expires is an age (90m, 12h, 30d) or a future time (2027-01-01T00:00Z), at most 10 years ahead");
    }

    private static string Status(AccessToken token, DateTimeOffset now) =>
        token.RevokedAt is not null ? "revoked" : token.ExpiresAt is { } e && e <= now ? "expired" : "active";

    private static string Expiry(AccessToken token) => token.ExpiresAt is { } e ? "expires " + Time(e) : "never expires";

    private static string Time(DateTimeOffset at) => at.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
