using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Server.Authentication;
using Secrets.Runtime.Server.Contracts;
using Secrets.Runtime.Server.Http;
using Secrets.Runtime.Server.Problems;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Server.Endpoints;

/// <summary>
/// <c>GET /api/v1/secrets</c> and, under each of <c>organizations/{org}</c>, <c>projects/{project}</c> and
/// <c>users/{user}</c>, <c>secrets/{NAME}</c> with GET, PUT and DELETE. No response carries a value.
/// </summary>
internal static class SecretEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/secrets", ListAsync)
            .WithName("listSecrets").WithTags("secrets").WithSummary("Lists the secrets the caller may read, a page at a time (keyset cursor).")
            .RequireAuthorization(ApiScopes.SecretsRead).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);

        foreach (var address in SecretAddress.All)
        {
            var secret = api.MapGroup($"/{address.Segment}/{{owner}}/secrets/{{name}}").WithTags("secrets");
            secret.MapGet("/", (HttpContext context, ISecretStore store, string owner, string name, CancellationToken ct) => GetAsync(context, store, address, owner, name, ct))
                .WithName("get" + address.Noun + "Secret").WithSummary("The secret's metadata and ETag; never its value.")
                .RequireAuthorization(ApiScopes.SecretsRead).Produces<SecretMeta>().ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
            secret.MapPut("/", (HttpContext context, ISecretStore store, SecretRedactor redactor, string owner, string name, CancellationToken ct) => PutAsync(context, store, redactor, address, owner, name, ct))
                .WithName("put" + address.Noun + "Secret").WithSummary("Creates the secret (201) or gives it a new version (200); honours If-Match and If-None-Match: *.")
                .RequireAuthorization(ApiScopes.SecretsWrite).Accepts<PutSecretRequest>("application/json")
                .Produces<SecretMeta>(StatusCodes.Status200OK).Produces<SecretMeta>(StatusCodes.Status201Created)
                .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
            secret.MapDelete("/", (HttpContext context, ISecretStore store, string owner, string name, CancellationToken ct) => DeleteAsync(context, store, address, owner, name, ct))
                .WithName("delete" + address.Noun + "Secret").WithSummary("Deletes the secret and every version; honours If-Match; 409 for system-managed secrets.")
                .RequireAuthorization(ApiScopes.SecretsWrite).Produces(StatusCodes.Status204NoContent)
                .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);
        }
    }

    private static async Task<Ok<SecretPage>> ListAsync(HttpContext context, ISecretStore store, string? scope, string? project, string? search, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var principal = Callers.PrincipalOf(context);
        var take = Cursor.Limit(limit, 50, 200);
        SecretScope? scopeFilter = null;
        if (!string.IsNullOrEmpty(scope))
        {
            try
            {
                scopeFilter = SecretScopeText.Parse(scope);
            }
            catch (StoreException)
            {
                throw new ApiProblemException(StatusCodes.Status400BadRequest, "request.scope_invalid", "scope is organization, project or personal", [new ApiError("unknown scope", "scope")]);
            }
        }

        if (!string.IsNullOrEmpty(project))
        {
            if (scopeFilter is not null and not SecretScope.Project)
            {
                throw new ApiProblemException(StatusCodes.Status400BadRequest, "request.filter_conflict", "project filters project secrets; drop scope or set it to project", [new ApiError("conflicts with scope", "project")]);
            }

            scopeFilter = SecretScope.Project;
        }

        var after = Cursor.Decode(cursor, 3);
        var all = await store.ListAsync(principal, new SecretListQuery { Scope = scopeFilter, Owner = string.IsNullOrEmpty(project) ? null : project, IncludeSystem = true }, cancellationToken).ConfigureAwait(false);
        var ordered = all
            .Where(m => string.IsNullOrEmpty(search)
                || m.Name.Value.Contains(search, StringComparison.OrdinalIgnoreCase)
                || (m.Description?.Contains(search, StringComparison.OrdinalIgnoreCase) ?? false))
            .OrderBy(m => m.Scope.ToText(), StringComparer.Ordinal).ThenBy(m => m.Owner, StringComparer.Ordinal).ThenBy(m => m.Name.Value, StringComparer.Ordinal)
            .Where(m => after is null || Compare(m, after) > 0)
            .Take(take + 1)
            .ToList();
        var page = ordered.Take(take).ToList();
        var next = ordered.Count > take ? Cursor.Encode(page[^1].Scope.ToText(), page[^1].Owner, page[^1].Name.Value) : null;
        return TypedResults.Ok(new SecretPage(page.Select(m => SecretMetaMapper.ToMeta(m, principal)).ToList(), next));
    }

    private static int Compare(SecretMetadata item, string[] key)
    {
        var byScope = string.CompareOrdinal(item.Scope.ToText(), key[0]);
        if (byScope != 0)
        {
            return byScope;
        }

        var byOwner = string.CompareOrdinal(item.Owner, key[1]);
        return byOwner != 0 ? byOwner : string.CompareOrdinal(item.Name.Value, key[2]);
    }

    private static async Task<Ok<SecretMeta>> GetAsync(HttpContext context, ISecretStore store, SecretAddress address, string owner, string name, CancellationToken cancellationToken)
    {
        var principal = Callers.PrincipalOf(context);
        var metadata = await Find(store, principal, address, owner, SecretAddress.Name(name), cancellationToken).ConfigureAwait(false);
        context.Response.Headers.ETag = SecretMetaMapper.ETag(metadata);
        return TypedResults.Ok(SecretMetaMapper.ToMeta(metadata, principal));
    }

    private static async Task<IResult> PutAsync(HttpContext context, ISecretStore store, SecretRedactor redactor, SecretAddress address, string owner, string name, CancellationToken cancellationToken)
    {
        var principal = Callers.PrincipalOf(context);
        var secretName = SecretAddress.Name(name);
        var body = await RequestBody.ReadJsonAsync<PutSecretRequest>(context, RequestBody.SecretBodyBytes, cancellationToken).ConfigureAwait(false);

        // From here until the response is written, the value is masked in every log line of this process.
        using var lease = redactor.Lease();
        if (!string.IsNullOrEmpty(body.Value))
        {
            lease.Add([new RedactionValue(body.Value, secretName.Value)]);
        }

        var current = await store.GetAsync(principal, address.Scope, owner, secretName, cancellationToken).ConfigureAwait(false);
        int? expected = null;
        if (IsAny(context.Request.Headers.IfNoneMatch))
        {
            expected = current is null ? 0 : throw Stale("If-None-Match: * and the secret exists", "If-None-Match");
        }

        if (context.Request.Headers.IfMatch.Count > 0)
        {
            expected = current is not null && Matches(context.Request.Headers.IfMatch, current)
                ? current.Version
                : throw Stale(current is null ? "If-Match and the secret does not exist" : "If-Match names a version that is no longer current", "If-Match");
        }

        var written = await store.SetAsync(principal, new SecretWrite
        {
            Scope = address.Scope,
            Owner = owner,
            Name = secretName,
            Value = body.Value ?? string.Empty,
            Description = body.Description,
            ExpectedVersion = expected,
        }, cancellationToken).ConfigureAwait(false);
        context.Response.Headers.ETag = SecretMetaMapper.ETag(written);
        var meta = SecretMetaMapper.ToMeta(written, principal);
        return current is null
            ? TypedResults.Created(address.PathOf(owner, secretName), meta)
            : TypedResults.Ok(meta);
    }

    private static async Task<NoContent> DeleteAsync(HttpContext context, ISecretStore store, SecretAddress address, string owner, string name, CancellationToken cancellationToken)
    {
        var principal = Callers.PrincipalOf(context);
        var secretName = SecretAddress.Name(name);
        if (context.Request.Headers.IfMatch.Count > 0)
        {
            var current = await Find(store, principal, address, owner, secretName, cancellationToken).ConfigureAwait(false);
            if (!Matches(context.Request.Headers.IfMatch, current))
            {
                throw Stale("If-Match names a version that is no longer current", "If-Match");
            }
        }

        await store.DeleteAsync(principal, address.Scope, owner, secretName, cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static async Task<SecretMetadata> Find(ISecretStore store, Principal principal, SecretAddress address, string owner, SecretName name, CancellationToken cancellationToken) =>
        await store.GetAsync(principal, address.Scope, owner, name, cancellationToken).ConfigureAwait(false)
            ?? throw new ApiProblemException(StatusCodes.Status404NotFound, "secret.not_found", $"no secret {name.Value} in this {address.Scope.ToText()}");

    private static bool IsAny(Microsoft.Extensions.Primitives.StringValues header) =>
        header.Any(h => h is not null && h.Trim() == "*");

    private static bool Matches(Microsoft.Extensions.Primitives.StringValues header, SecretMetadata current)
    {
        var tag = SecretMetaMapper.ETag(current);
        return header.SelectMany(h => (h ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Any(h => h == "*" || string.Equals(h, tag, StringComparison.Ordinal));
    }

    private static ApiProblemException Stale(string why, string header) =>
        new(StatusCodes.Status412PreconditionFailed, "secret.precondition_failed", why + "; GET the secret for its current ETag", [new ApiError(why, header)]);
}
