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
using Secrets.Runtime.Store.Import;

namespace Secrets.Runtime.Server.Endpoints;

/// <summary><c>POST .../{owner}/imports[?dryRun=true]</c>: a <c>.env</c> body, all or nothing, answered with names and line numbers only.</summary>
internal static class ImportEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        foreach (var address in SecretAddress.All)
        {
            api.MapPost($"/{address.Segment}/{{owner}}/imports", (HttpContext context, ISecretStore store, SecretRedactor redactor, SecretsServerOptions options, string owner, bool? dryRun, CancellationToken ct) =>
                    ImportAsync(context, store, redactor, options, address, owner, dryRun ?? false, ct))
                .WithName("import" + address.Noun + "Secrets").WithTags("secrets")
                .WithSummary("Imports a .env body (text/plain) into this scope, all or nothing; dryRun=true writes nothing.")
                .RequireAuthorization(ApiScopes.SecretsWrite).Accepts<string>("text/plain").Produces<ImportReport>()
                .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        }
    }

    private static async Task<Ok<ImportReport>> ImportAsync(HttpContext context, ISecretStore store, SecretRedactor redactor, SecretsServerOptions options, SecretAddress address, string owner, bool dryRun, CancellationToken cancellationToken)
    {
        var principal = Callers.PrincipalOf(context);
        var text = await RequestBody.ReadTextAsync(context, options.MaxRequestBodyBytes, cancellationToken).ConfigureAwait(false);
        var document = DotEnvParser.Parse(text);

        // Every value of the body is masked in this process's logs while the request runs.
        using var lease = redactor.Lease(document.Entries.Where(e => e.Value.Length > 0).Select(e => new RedactionValue(e.Value, e.Name.Value)));
        // All or nothing: a line that is not a statement refuses the import too (the CLI's --skip-invalid has no API twin).
        var problems = document.Errors.Concat(document.Warnings.Where(w => w.Malformed)).OrderBy(i => i.Line).ToList();
        if (problems.Count > 0)
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, Secrets.Runtime.Server.Problems.ApiErrors.ImportInvalidCode,
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the .env body has {problems.Count} problem(s); nothing was written"),
                problems.Select(e => new ApiError(Describe(e), null, e.Line)).ToList());
        }

        var summary = await store.ImportAsync(principal, address.Scope, owner, document, dryRun, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new ImportReport(
            summary.DryRun,
            summary.Created.Select(e => new ImportLine(e.Name.Value, e.Line)).ToList(),
            summary.Updated.Select(e => new ImportLine(e.Name.Value, e.Line)).ToList(),
            summary.Skipped.Select(i => new ImportIssue(i.Line, Describe(i))).ToList()));
    }

    /// <summary>
    /// The parser's message when it quotes nothing from the line; otherwise a fixed one. A key can be a value pasted
    /// by mistake (a line with no name before its '='), and the parser's messages quote keys.
    /// </summary>
    private static string Describe(DotEnvIssue issue) => issue.Message.Contains('\'', StringComparison.Ordinal)
        ? "the key is not a valid secret name (letters, digits and '_', not starting with a digit), has no value, or collides with another key once upper-cased"
        : issue.Message;
}
