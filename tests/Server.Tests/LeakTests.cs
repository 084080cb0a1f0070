using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Secrets.Runtime.Server.Tests;

/// <summary>
/// Sends every endpoint requests that carry a planted value, then scans every response body and header, every log
/// line and the whole audit log for the value and its encodings (base64, base64url, hex, URL, JSON-escaped).
/// </summary>
public sealed class LeakTests : IDisposable
{
    private readonly ServerFactory _server = new();
    private readonly List<(string Where, string Text)> _seen = [];

    public void Dispose() => _server.Dispose();

    public static TheoryData<int> Seeds => [1, 2, 3];

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task No_response_log_line_or_audit_entry_carries_a_planted_value_in_any_encoding(int seed)
    {
        // A value with characters every encoding treats differently; random, so no fixed text can pass by luck.
        var random = new Random(seed);
        var value = $"pw+{Convert.ToHexString(RandomNumberGenerator.GetBytes(12))}/\"<&>'{random.Next(1000, 9999)}=";
        var admin = _server.ClientFor(_server.AdminToken);
        var wendy = _server.ClientFor(_server.WriterToken);

        // Secrets: create, new version, stale writes, oversize, malformed JSON, every scope, every read.
        foreach (var path in new[] { "/api/v1/projects/alpha/secrets/PLANTED", "/api/v1/organizations/default/secrets/PLANTED", "/api/v1/users/admin/secrets/PLANTED" })
        {
            var created = await Send(admin, HttpMethod.Put, path, JsonContent.Create(new { value, description = "planted" }));
            await Send(admin, HttpMethod.Put, path, JsonContent.Create(new { value = value + "2" }));
            await Send(admin, HttpMethod.Put, path, JsonContent.Create(new { value }), ("If-Match", "\"99.99\""));
            await Send(admin, HttpMethod.Put, path, JsonContent.Create(new { value }), ("If-None-Match", "*"));
            await Send(admin, HttpMethod.Put, path, new StringContent($"{{\"value\":{JsonSerializer.Serialize(value)},\"unknown\":{JsonSerializer.Serialize(value)}}}", Encoding.UTF8, "application/json"));
            await Send(admin, HttpMethod.Put, path, new StringContent($"{{\"value\":\"{value}", Encoding.UTF8, "application/json"));
            await Send(admin, HttpMethod.Put, path, JsonContent.Create(new { value = string.Concat(Enumerable.Repeat(value, 64 * 1024 / value.Length + 1)) }));
            await Send(wendy, HttpMethod.Put, path, JsonContent.Create(new { value }));
            await Send(_server.ClientFor("srt_0000000000000000_" + value), HttpMethod.Put, path, JsonContent.Create(new { value }));
            await Send(admin, HttpMethod.Get, path);
            await Send(admin, HttpMethod.Patch, path, JsonContent.Create(new { description = "still planted" }));
            await Send(admin, HttpMethod.Get, path + "/versions");
            await Send(admin, HttpMethod.Post, path + "/versions/1/restore");
            await Send(admin, HttpMethod.Get, path + "/members");
            await Send(admin, HttpMethod.Put, path + "/members/wendy", JsonContent.Create(new { role = "member" }));
            await Send(admin, HttpMethod.Get, path + "/usages");
            Assert.True(created.IsSuccessStatusCode);
        }

        await Send(admin, HttpMethod.Get, "/api/v1/secrets?limit=200");
        await Send(admin, HttpMethod.Get, "/api/v1/secrets?search=PLANTED");

        // Imports: dry run, real, malformed, refused.
        var dotEnv = $"IMPORTED_A={value}\nIMPORTED_B=\"{value.Replace("\"", "\\\"", StringComparison.Ordinal)}\"\n";
        await Send(admin, HttpMethod.Post, "/api/v1/projects/alpha/imports?dryRun=true", new StringContent(dotEnv, Encoding.UTF8, "text/plain"));
        await Send(admin, HttpMethod.Post, "/api/v1/projects/alpha/imports", new StringContent(dotEnv, Encoding.UTF8, "text/plain"));
        await Send(admin, HttpMethod.Post, "/api/v1/projects/alpha/imports", new StringContent($"{value}\nBROKEN {value}\n", Encoding.UTF8, "text/plain"));
        await Send(_server.ClientFor(_server.ReaderToken), HttpMethod.Post, "/api/v1/projects/alpha/imports", new StringContent(dotEnv, Encoding.UTF8, "text/plain"));
        await Send(admin, HttpMethod.Post, "/api/v1/keys/rotate");

        // Workflows and runs that use the value, print it, fail with it, and stream it.
        var workflow = RunWorkflows.Workflow("alpha",
            ("plain", "secrets.PLANTED"),
            ("wrapped", "JSON.stringify({ v: secrets.PLANTED, again: 'x' + secrets.IMPORTED_A })"),
            ("thrown", "(() => { throw new Error('bad ' + secrets.PLANTED); })()"));
        await Send(admin, HttpMethod.Put, "/api/v1/projects/alpha/workflows/leaky", JsonContent.Create(workflow));
        await Send(admin, HttpMethod.Get, "/api/v1/projects/alpha/workflows/leaky");
        var stored = await Send(admin, HttpMethod.Post, "/api/v1/projects/alpha/workflows/leaky/runs?wait=true", JsonContent.Create(new { trigger = "api" }));
        var inline = await Send(admin, HttpMethod.Post, "/api/v1/runs?wait=true", JsonContent.Create(RunWorkflows.Inline(workflow)));
        var started = await Send(admin, HttpMethod.Post, "/api/v1/runs", JsonContent.Create(RunWorkflows.Inline(workflow)));
        await Send(wendy, HttpMethod.Post, "/api/v1/runs?wait=true", JsonContent.Create(RunWorkflows.Echo("beta", "PLANTED", "v")));
        foreach (var response in new[] { stored, inline })
        {
            var id = (await response.JsonAsync()).GetProperty("runId").GetString();
            await Send(admin, HttpMethod.Get, $"/api/v1/runs/{id}");
            await Send(admin, HttpMethod.Get, $"/api/v1/runs/{id}/events");
        }

        await Send(admin, HttpMethod.Get, started.Headers.Location!.OriginalString + "/events");
        await Send(admin, HttpMethod.Get, started.Headers.Location!.OriginalString);
        await Send(admin, HttpMethod.Get, "/api/v1/runs");
        await Send(admin, HttpMethod.Get, "/api/v1/projects/alpha/secrets/PLANTED/usages");
        await Send(admin, HttpMethod.Delete, "/api/v1/organizations/default/secrets/PLANTED");

        // The audit, as JSON pages and as CSV.
        string? cursor = null;
        do
        {
            var page = await (await Send(admin, HttpMethod.Get, "/api/v1/audit?limit=1000" + (cursor is null ? "" : "&cursor=" + cursor))).JsonAsync();
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        await Send(admin, HttpMethod.Get, "/api/v1/audit?limit=1000", accept: "text/csv");
        await Send(_server.CreateClient(), HttpMethod.Get, "/openapi/v1.json");

        // The request logs are written when each response has completed: wait for the last one before scanning.
        await _server.Logs.WaitForAsync(l => l.Contains("/openapi/v1.json", StringComparison.Ordinal));
        foreach (var line in _server.Logs.Lines)
        {
            _seen.Add(("log", line));
        }

        var forms = Forms(value);
        foreach (var (where, text) in _seen)
        {
            foreach (var (name, form) in forms)
            {
                Assert.False(text.Contains(form, StringComparison.Ordinal), $"{where} carries the value ({name})");
            }
        }

        // The scan saw what it should: runs used the value and the audit holds their uses.
        Assert.Contains(_seen, s => s.Text.Contains("\"action\":\"use\"", StringComparison.Ordinal));
        Assert.True(_seen.Count > 100, $"only {_seen.Count} texts were scanned");
    }

    private async Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, HttpContent? content = null, (string Name, string Value)? header = null, string? accept = null)
    {
        using var request = new HttpRequestMessage(method, Api.Url(path)) { Content = content };
        if (header is { } h)
        {
            request.Headers.TryAddWithoutValidation(h.Name, h.Value);
        }

        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }

        var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        _seen.Add(($"{method} {path} → {(int)response.StatusCode} body", body));
        _seen.Add(($"{method} {path} headers", string.Join('\n', response.Headers.Concat(response.Content.Headers).Select(kv => kv.Key + ": " + string.Join(",", kv.Value)))));

        // A fresh copy, so callers can read the body again.
        var copy = new HttpResponseMessage(response.StatusCode) { Content = new StringContent(body, Encoding.UTF8) };
        foreach (var kv in response.Headers)
        {
            copy.Headers.TryAddWithoutValidation(kv.Key, kv.Value);
        }

        return copy;
    }

    private static List<(string Name, string Form)> Forms(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        return
        [
            ("plain", value),
            ("base64", Convert.ToBase64String(bytes).TrimEnd('=')),
            ("base64url", Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_')),
            ("hex lower", Convert.ToHexStringLower(bytes)),
            ("hex upper", Convert.ToHexString(bytes)),
            ("URL", Uri.EscapeDataString(value)),
            ("form URL", WebUtility.UrlEncode(value)),
            ("JSON escaped", JsonSerializer.Serialize(value)[1..^1]),
            ("JSON relaxed", JsonSerializer.Serialize(value, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })[1..^1]),
            ("JSON escaped twice", JsonSerializer.Serialize(JsonSerializer.Serialize(value))[1..^1]),
            // The random core alone: a partial or re-quoted copy still carries it.
            ("random core", value[3..27]),
        ];
    }
}
