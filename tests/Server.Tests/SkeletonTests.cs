using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Secrets.Runtime.Server.Tests;

public sealed class SkeletonTests : IDisposable
{
    private readonly ServerFactory _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Healthz_and_readyz_answer_without_a_token()
    {
        var client = _server.CreateClient();
        var health = await client.GetAsync(new Uri("/healthz", UriKind.Relative));
        var ready = await client.GetAsync(new Uri("/readyz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("ready", JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_api_call_without_a_token_is_401_problem_json()
    {
        var response = await _server.CreateClient().GetAsync(new Uri("/api/v1/secrets", UriKind.Relative));
        await Problems.AssertAsync(response, HttpStatusCode.Unauthorized, "auth.token_missing");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task An_unknown_token_is_401_and_says_nothing_about_it()
    {
        var response = await _server.ClientFor("srt_not-a-token").GetAsync(new Uri("/api/v1/secrets", UriKind.Relative));
        var body = await Problems.AssertAsync(response, HttpStatusCode.Unauthorized, "auth.token_unknown");
        Assert.DoesNotContain("srt_not-a-token", body.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_header_that_is_not_bearer_is_refused()
    {
        var client = _server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", "dXNlcjpwYXNz");
        await Problems.AssertAsync(await client.GetAsync(new Uri("/api/v1/secrets", UriKind.Relative)), HttpStatusCode.Unauthorized, "auth.scheme_invalid");
    }

    [Fact]
    public async Task A_token_without_the_endpoints_scope_is_403()
    {
        var token = _server.CreateToken("admin", [new Store.RoleGrant(Store.SecretScope.Project, "*", Store.SecretRole.Admin)], Authentication.ApiScopes.RunsExecute);
        var response = await _server.ClientFor(token).GetAsync(new Uri("/api/v1/secrets", UriKind.Relative));
        await Problems.AssertAsync(response, HttpStatusCode.Forbidden, "auth.scope_missing");
    }

    [Fact]
    public async Task Failed_authentications_are_rate_limited_per_address_even_for_a_valid_token_after()
    {
        var limit = new ServerFactory(o => o.FailedAuthenticationLimit = 3);
        using (limit)
        {
            var bad = limit.ClientFor("srt_guess");
            for (var i = 0; i < 3; i++)
            {
                await Problems.AssertAsync(await bad.GetAsync(new Uri("/api/v1/secrets", UriKind.Relative)), HttpStatusCode.Unauthorized, "auth.token_unknown");
            }

            var limited = await bad.GetAsync(new Uri("/api/v1/secrets", UriKind.Relative));
            await Problems.AssertAsync(limited, HttpStatusCode.TooManyRequests, "auth.rate_limited");
            Assert.NotNull(limited.Headers.RetryAfter);

            // While the address is blocked, even a good token is not checked: guessing gains nothing.
            var good = await limit.ClientFor(limit.AdminToken).GetAsync(new Uri("/api/v1/secrets", UriKind.Relative));
            await Problems.AssertAsync(good, HttpStatusCode.TooManyRequests, "auth.rate_limited");
        }
    }

    [Fact]
    public async Task Successful_calls_spend_no_failure_permits()
    {
        using var limit = new ServerFactory(o => o.FailedAuthenticationLimit = 2);
        var good = limit.ClientFor(limit.AdminToken);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await good.GetAsync(new Uri("/api/v1/secrets", UriKind.Relative))).StatusCode);
        }
    }

    [Fact]
    public async Task Every_response_carries_the_security_headers_errors_included()
    {
        var client = _server.CreateClient();
        foreach (var path in new[] { "/healthz", "/api/v1/secrets", "/no/such/path" })
        {
            var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
            Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.True(response.Headers.CacheControl?.NoStore, path);
        }
    }

    [Fact]
    public async Task An_unknown_route_is_a_404_problem_with_a_code()
    {
        var response = await _server.ClientFor(_server.AdminToken).GetAsync(new Uri("/api/v1/nothing-here", UriKind.Relative));
        await Problems.AssertAsync(response, HttpStatusCode.NotFound, "http.not_found");
    }

    [Fact]
    public async Task Request_logs_go_through_the_server_log_pipeline()
    {
        await _server.ClientFor(_server.AdminToken).GetAsync(new Uri("/api/v1/secrets?search=abc", UriKind.Relative));
        var line = await _server.Logs.WaitForAsync(l => l.Contains("HTTP \"GET\" \"/api/v1/secrets\" responded 200", StringComparison.Ordinal));

        // The path is logged, never the query string (a search term is the caller's own text).
        Assert.DoesNotContain("search=abc", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_first_start_prints_one_bootstrap_token_that_works()
    {
        _ = _server.CreateClient();
        var lines = _server.BootstrapOutput.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var token = Assert.Single(lines, l => l.StartsWith("srt_", StringComparison.Ordinal));
        var response = await _server.ClientFor(token).GetAsync(new Uri("/api/v1/secrets", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(_server.Logs.Lines, l => l.Contains(token, StringComparison.Ordinal));
    }
}
