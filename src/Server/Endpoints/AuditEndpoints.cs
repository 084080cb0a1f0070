using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Secrets.Runtime.Server.Authentication;
using Secrets.Runtime.Server.Contracts;
using Secrets.Runtime.Server.Http;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Server.Endpoints;

/// <summary><c>GET /api/v1/audit?since=&amp;action=&amp;limit=&amp;cursor=</c>, as JSON pages or, with <c>Accept: text/csv</c>, as CSV.</summary>
internal static class AuditEndpoints
{
    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/audit", ReadAsync)
            .WithName("listAudit").WithTags("audit").WithSummary("Audit entries the caller may read, oldest first; Accept: text/csv exports the same entries.")
            .RequireAuthorization(ApiScopes.AuditRead)
            .Produces<AuditPage>(StatusCodes.Status200OK, "application/json", "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);

    private static async Task<IResult> ReadAsync(HttpContext context, ISecretStore store, DateTimeOffset? since, string? action, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var take = Cursor.Limit(limit, 100, 10_000);
        var after = Cursor.Decode(cursor, 1) is { } key && int.TryParse(key[0], NumberStyles.None, CultureInfo.InvariantCulture, out var position) ? position : -1;
        var entries = await store.AuditAsync(Callers.PrincipalOf(context), since, cancellationToken).ConfigureAwait(false);

        // Entries are append-only and ordered oldest first: the position of the last entry shown is a stable key.
        var matching = entries.Select((entry, index) => (entry, index))
            .Where(e => e.index > after && (string.IsNullOrEmpty(action) || string.Equals(e.entry.Action, action, StringComparison.OrdinalIgnoreCase)))
            .Take(take + 1)
            .ToList();
        var page = matching.Take(take).ToList();
        var next = matching.Count > take ? Cursor.Encode(page[^1].index.ToString(CultureInfo.InvariantCulture)) : null;
        var records = page.Select(e => new AuditRecord(e.entry.At, e.entry.Actor, e.entry.Action, e.entry.Scope?.ToText(), e.entry.Owner, e.entry.Name, e.entry.Version, e.entry.Detail)).ToList();
        if (context.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase)))
        {
            if (next is not null)
            {
                context.Response.Headers["X-Next-Cursor"] = next;
            }

            return TypedResults.Text(ToCsv(records), "text/csv", Encoding.UTF8);
        }

        return TypedResults.Ok(new AuditPage(records, next));
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
