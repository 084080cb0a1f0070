using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Secrets.Runtime.Console.Tests;

/// <summary>
/// Records what a browser context receives and holds: every response's headers and body, and on demand the DOM,
/// <c>localStorage</c>, <c>sessionStorage</c> and cookies. <see cref="AssertAbsentAsync"/> searches all of it for a
/// value in every encoding a leak could take.
/// </summary>
public sealed class LeakRecorder(IBrowserContext context, string baseUrl)
{
    private readonly ConcurrentQueue<(string Where, string Text)> _seen = new();
    private readonly ConcurrentQueue<Task> _pending = new();

    /// <summary>Script errors and console errors and warnings of the watched pages.</summary>
    public ConcurrentQueue<string> PageErrors { get; } = new();

    /// <summary>Fails with the pages' script and console errors, if there were any.</summary>
    public void AssertNoPageErrors() => Assert.True(PageErrors.IsEmpty, "script errors: " + string.Join(" | ", PageErrors));

    /// <summary>URLs of every request the page made to another host (there must be none).</summary>
    public ConcurrentQueue<string> ForeignRequests { get; } = new();

    /// <summary>Starts recording <paramref name="page"/>'s responses and requests.</summary>
    public void Watch(IPage page)
    {
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(baseUrl, StringComparison.Ordinal) && !request.Url.StartsWith("blob:", StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                ForeignRequests.Enqueue(request.Url);
            }
        };
        page.Response += (_, response) =>
        {
            _pending.Enqueue(RecordAsync(response));
            if (response.Status >= 400)
            {
                PageErrors.Enqueue($"{response.Status} {response.Request.Method} {response.Url}");
            }
        };
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                PageErrors.Enqueue(message.Text);
            }
        };
        page.PageError += (_, error) => PageErrors.Enqueue(error);
    }

    /// <summary>Snapshots the DOM, both storages and the cookies of <paramref name="page"/> under <paramref name="step"/>.</summary>
    public async Task SnapshotAsync(IPage page, string step)
    {
        _seen.Enqueue(($"DOM after {step}", await page.ContentAsync()));
        var inputs = await page.EvaluateAsync<string>("() => [...document.querySelectorAll('input,textarea')].filter(e => e.type !== 'file').map(e => e.id + '=' + e.value).join('\\n')");
        _seen.Enqueue(($"form fields after {step}", inputs));
        _seen.Enqueue(($"localStorage after {step}", await page.EvaluateAsync<string>("() => JSON.stringify(Object.entries(localStorage))")));
        _seen.Enqueue(($"sessionStorage after {step}", await page.EvaluateAsync<string>("() => JSON.stringify(Object.entries(sessionStorage))")));
        foreach (var cookie in await context.CookiesAsync())
        {
            _seen.Enqueue(($"cookie {cookie.Name} after {step}", cookie.Name + "=" + cookie.Value));
        }
    }

    /// <summary>How many texts were recorded (responses and snapshots), so a test can show it looked at something.</summary>
    public int Count => _seen.Count;

    /// <summary>Fails when any recorded text holds <paramref name="value"/> in any encoding.</summary>
    public async Task AssertAbsentAsync(string value)
    {
        while (_pending.TryDequeue(out var task))
        {
            await task;
        }

        var forms = Encodings(value);
        foreach (var (where, text) in _seen)
        {
            foreach (var (encoding, form) in forms)
            {
                Assert.False(text.Contains(form, StringComparison.Ordinal), $"the saved value appeared ({encoding}) in {where}");
            }
        }
    }

    /// <summary>The value and the encodings it could leak in.</summary>
    public static IReadOnlyList<(string Encoding, string Form)> Encodings(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        return
        [
            ("clear", value),
            ("base64", Convert.ToBase64String(bytes)),
            ("base64url", Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_')),
            ("hex", Convert.ToHexString(bytes)),
            ("hex lower", Convert.ToHexStringLower(bytes)),
            ("url", Uri.EscapeDataString(value)),
            ("form url", WebUtility.UrlEncode(value)),
            ("json", JsonSerializer.Serialize(value)[1..^1]),
            ("json ascii", JsonEncodedText.Encode(value, JavaScriptEncoder.Default).ToString()),
            ("html", WebUtility.HtmlEncode(value)),
            ("reversed", new string(value.Reverse().ToArray())),
        ];
    }

    private async Task RecordAsync(IResponse response)
    {
        var headers = string.Join("\n", (await response.AllHeadersAsync()).Select(h => h.Key + ": " + h.Value));
        _seen.Enqueue(($"headers of {response.Request.Method} {response.Url}", headers));
        try
        {
            var body = await response.BodyAsync();
            _seen.Enqueue(($"body of {response.Request.Method} {response.Url}", Encoding.UTF8.GetString(body)));
        }
        catch (PlaywrightException)
        {
            // Redirects and aborted requests have no body.
        }
    }
}
