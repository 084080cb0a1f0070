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
using Secrets.Runtime.Store.Listing;

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
            .RequireAuthorization(ApiScopes.SecretsRead).Produces<Contracts.SecretPage>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);

        foreach (var address in SecretAddress.All)
        {
            var secret = api.MapGroup($"/{address.Segment}/{{owner}}/secrets/{{name}}").WithTags("secrets");
            secret.MapGet("/", (HttpContext context, SecretStore store, string owner, string name, CancellationToken ct) => GetAsync(context, store, address, owner, name, ct))
                .WithName("get" + address.Noun + "Secret").WithSummary("The secret's metadata and ETag; never its value.")
                .RequireAuthorization(ApiScopes.SecretsRead).Produces<SecretMeta>().ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
            secret.MapPut("/", (HttpContext context, SecretStore store, SecretRedactor redactor, string owner, string name, CancellationToken ct) => PutAsync(context, store, redactor, address, owner, name, ct))
                .WithName("put" + address.Noun + "Secret").WithSummary("Creates the secret (201) or gives it a new version (200); honours If-Match and If-None-Match: *.")
                .RequireAuthorization(ApiScopes.SecretsWrite).Accepts<PutSecretRequest>("application/json")
                .Produces<SecretMeta>(StatusCodes.Status200OK).Produces<SecretMeta>(StatusCodes.Status201Created)
                .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
            secret.MapPatch("/", (HttpContext context, SecretStore store, string owner, string name, CancellationToken ct) => PatchAsync(context, store, address, owner, name, ct))
                .WithName("patch" + address.Noun + "Secret").WithSummary("Changes the description only (no new value version); honours If-Match.")
                .RequireAuthorization(ApiScopes.SecretsWrite).Accepts<PatchSecretRequest>("application/json").Produces<SecretMeta>()
                .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);
            secret.MapDelete("/", (HttpContext context, SecretStore store, string owner, string name, CancellationToken ct) => DeleteAsync(context, store, address, owner, name, ct))
                .WithName("delete" + address.Noun + "Secret").WithSummary("Deletes the secret and every version; honours If-Match; 409 for system-managed secrets.")
                .RequireAuthorization(ApiScopes.SecretsWrite).Produces(StatusCodes.Status204NoContent)
                .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);
            SecretVersionEndpoints.Map(secret, address);
            SecretMemberEndpoints.Map(secret, address);
            SecretUsageEndpoints.Map(secret, address);
        }
    }

    private static async Task<SecretPageResult> ListAsync(HttpContext context, SecretStore store, SecretRowJson rowJson, string? scope, string? project, string? search, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var principal = Callers.PrincipalOf(context);
        SecretScope? scopeFilter = null;
        if (!string.IsNullOrEmpty(scope))
        {
            try
            {
                scopeFilter = SecretScopeText.Parse(scope);
            }
            catch (StoreException)
            {
                throw new ApiProblemException(StatusCodes.Status400BadRequest, Secrets.Runtime.Server.Problems.ApiErrors.RequestScopeInvalidCode, "scope is organization, project or personal", [new ApiError("unknown scope", "scope")]);
            }
        }

        if (!string.IsNullOrEmpty(project))
        {
            if (scopeFilter is not null and not SecretScope.Project)
            {
                throw new ApiProblemException(StatusCodes.Status400BadRequest, Secrets.Runtime.Server.Problems.ApiErrors.RequestFilterConflictCode, "project filters project secrets; drop scope or set it to project", [new ApiError("conflicts with scope", "project")]);
            }

            scopeFilter = SecretScope.Project;
        }

        var page = await store.ListPageAsync(principal, new SecretPageQuery
        {
            Scope = scopeFilter,
            Owner = string.IsNullOrEmpty(project) ? null : project,
            Search = string.IsNullOrEmpty(search) ? null : search,
            Limit = limit ?? SecretPageQuery.DefaultLimit,
            Cursor = string.IsNullOrEmpty(cursor) ? null : cursor,
            IncludeSystem = true,
            IncludeMembers = true,
        }, cancellationToken).ConfigureAwait(false);
        // The generated serializer's bytes; a row the store remembered is serialized once per role, not on every list.
        return new SecretPageResult(page, principal, rowJson);
    }

    private static async Task<Ok<SecretMeta>> GetAsync(HttpContext context, SecretStore store, SecretAddress address, string owner, string name, CancellationToken cancellationToken)
    {
        var principal = Callers.PrincipalOf(context);
        var secretName = SecretAddress.Name(name);
        var metadata = await Find(store, principal, address, owner, secretName, cancellationToken).ConfigureAwait(false);
        return await AnswerAsync(context, store, principal, address, owner, secretName, metadata, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The secret's metadata with its members and <c>ETag</c> header, as every single-secret answer gives it.</summary>
    public static async Task<Ok<SecretMeta>> AnswerAsync(HttpContext context, SecretStore store, Principal principal, SecretAddress address, string owner, SecretName name, SecretMetadata metadata, CancellationToken cancellationToken)
    {
        var members = await store.MembersAsync(principal, address.Scope, owner, name, cancellationToken).ConfigureAwait(false);
        context.Response.Headers.ETag = metadata.ETag;
        return TypedResults.Ok(SecretMetaMapper.ToMeta(metadata, principal, members));
    }

    private static async Task<IResult> PutAsync(HttpContext context, SecretStore store, SecretRedactor redactor, SecretAddress address, string owner, string name, CancellationToken cancellationToken)
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

        var createOnly = IsAny(context.Request.Headers.IfNoneMatch);
        var ifMatch = await IfMatchAsync(context, store, principal, address, owner, secretName, cancellationToken).ConfigureAwait(false);
        var written = await store.SetAsync(principal, new SecretWrite
        {
            Scope = address.Scope,
            Owner = owner,
            Name = secretName,
            Value = body.Value ?? string.Empty,
            Description = body.Description,
            IfMatch = ifMatch,
            CreateOnly = createOnly,
        }, cancellationToken).ConfigureAwait(false);
        var answer = await AnswerAsync(context, store, principal, address, owner, secretName, written, cancellationToken).ConfigureAwait(false);

        // Delete removes every version, so version 1 is always a creation.
        return written.Version == 1
            ? TypedResults.Created(address.PathOf(owner, secretName), answer.Value)
            : answer;
    }

    private static async Task<Ok<SecretMeta>> PatchAsync(HttpContext context, SecretStore store, SecretAddress address, string owner, string name, CancellationToken cancellationToken)
    {
        var principal = Callers.PrincipalOf(context);
        var secretName = SecretAddress.Name(name);
        var body = await RequestBody.ReadJsonAsync<PatchSecretRequest>(context, 16 * 1024, cancellationToken).ConfigureAwait(false);
        var ifMatch = await IfMatchAsync(context, store, principal, address, owner, secretName, cancellationToken).ConfigureAwait(false);
        var written = await store.DescribeAsync(principal, address.Scope, owner, secretName, body.Description, ifMatch, cancellationToken).ConfigureAwait(false);
        return await AnswerAsync(context, store, principal, address, owner, secretName, written, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<NoContent> DeleteAsync(HttpContext context, SecretStore store, SecretAddress address, string owner, string name, CancellationToken cancellationToken)
    {
        var principal = Callers.PrincipalOf(context);
        var secretName = SecretAddress.Name(name);
        var ifMatch = await IfMatchAsync(context, store, principal, address, owner, secretName, cancellationToken).ConfigureAwait(false);
        await store.DeleteAsync(principal, address.Scope, owner, secretName, ifMatch, cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// The ETag an <c>If-Match</c> header names, for the store to compare atomically with the write; <c>*</c> means
    /// "whatever is current" (the secret must exist). Several tags are not supported: one secret has one current tag.
    /// </summary>
    public static async Task<string?> IfMatchAsync(HttpContext context, SecretStore store, Principal principal, SecretAddress address, string owner, SecretName name, CancellationToken cancellationToken)
    {
        var tags = context.Request.Headers.IfMatch.SelectMany(h => (h ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        if (tags.Count == 0)
        {
            return null;
        }

        if (tags.Count > 1)
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, Secrets.Runtime.Server.Problems.ApiErrors.RequestIfMatchInvalidCode, "If-Match takes one ETag", [new ApiError("one ETag, as GET returned it", "If-Match")]);
        }

        if (tags[0] != "*")
        {
            return tags[0];
        }

        var current = await store.GetAsync(principal, address.Scope, owner, name, cancellationToken).ConfigureAwait(false)
            ?? throw new ApiProblemException(StatusCodes.Status412PreconditionFailed, StoreErrors.PreconditionFailedCode, "If-Match: * and the secret does not exist", [new ApiError("the secret does not exist", "If-Match")]);
        return current.ETag;
    }

    /// <summary>The secret's metadata, or 404.</summary>
    public static async Task<SecretMetadata> Find(SecretStore store, Principal principal, SecretAddress address, string owner, SecretName name, CancellationToken cancellationToken) =>
        await store.GetAsync(principal, address.Scope, owner, name, cancellationToken).ConfigureAwait(false)
            ?? throw new ApiProblemException(StatusCodes.Status404NotFound, Secrets.Runtime.Server.Problems.ApiErrors.SecretNotFoundCode, $"no secret {name.Value} in this {address.Scope.ToText()}");

    private static bool IsAny(Microsoft.Extensions.Primitives.StringValues header) =>
        header.Any(h => h is not null && h.Trim() == "*");
}
