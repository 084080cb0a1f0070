using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Secrets.Runtime.Server.Authentication;
using Secrets.Runtime.Server.Contracts;
using Secrets.Runtime.Server.Http;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Listing;

namespace Secrets.Runtime.Server.Endpoints;

/// <summary><c>GET /api/v1/audit?since=&amp;action=&amp;limit=&amp;cursor=</c>, as JSON pages or, with <c>Accept: text/csv</c>, as CSV.</summary>
internal static class AuditEndpoints
{
    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/audit", ReadAsync)
            .WithName("listAudit").WithTags("audit").WithSummary("Audit entries the caller may read, oldest first; Accept: text/csv exports the same entries.")
            .RequireAuthorization(ApiScopes.AuditRead)
            .Produces<Contracts.AuditPage>(StatusCodes.Status200OK, "application/json", "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);

    private static async Task<IResult> ReadAsync(HttpContext context, SecretStore store, DateTimeOffset? since, string? action, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var page = await store.AuditPageAsync(Callers.PrincipalOf(context), new AuditQuery
        {
            Since = since,
            Action = string.IsNullOrEmpty(action) ? null : action,
            Limit = limit ?? AuditQuery.DefaultLimit,
            Cursor = string.IsNullOrEmpty(cursor) ? null : cursor,
        }, cancellationToken).ConfigureAwait(false);
        var records = page.Entries.Select(e => new AuditRecord(e.At, e.Actor, e.Action, e.Scope?.ToText(), e.Owner, e.Name, e.Version, e.Detail)).ToList();
        if (context.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase)))
        {
            // The same entries as the JSON page; the next page's cursor travels in a header.
            if (page.NextCursor is not null)
            {
                context.Response.Headers["X-Next-Cursor"] = page.NextCursor;
            }

            return TypedResults.Text(ToCsv(records), "text/csv", Encoding.UTF8);
        }

        return TypedResults.Ok(new Contracts.AuditPage(records, page.NextCursor));
    }

    private static string ToCsv(IEnumerable<AuditRecord> records)
    {
        var csv = new StringBuilder("at,actor,action,scope,owner,name,version,detail\r\n");
        foreach (var r in records)
        {
            csv.Append(string.Join(',', new[]
            {
                r.At.ToString("O", CultureInfo.InvariantCulture), r.Actor, r.Action, r.Scope, r.Owner, r.Name,
                r.Version?.ToString(CultureInfo.InvariantCulture), r.Detail,
            }.Select(Field))).Append("\r\n");
        }

        return csv.ToString();
    }

    // RFC 4180 quoting, and a leading = + - @ is neutralised so a spreadsheet never runs a cell as a formula.
    private static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        var text = value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;
        return text.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }
}
