using Secrets.Runtime.Sandbox.CSharp;
using Secrets.Runtime.Sandbox.Workers.Protocol;

namespace Secrets.Runtime.Sandbox.Workers.Host;

/// <summary>
/// <c>context.Http</c> of one run: one call at a time over the pipe, and none after the run ended, so a call the
/// script did not await can never interleave with the next request.
/// </summary>
#pragma warning disable CA1001 // No wait handle of the semaphore is ever asked for, so it holds nothing that needs freeing.
internal sealed class HttpGate(WorkerPipe pipe)
#pragma warning restore CA1001
{
    private readonly SemaphoreSlim _one = new(1, 1);
    private bool _closed;

    /// <summary>Sends one call and waits for its answer; throws <see cref="InvalidOperationException"/> with the host's refusal.</summary>
    public async Task<ScriptHttpResponse> SendAsync(ScriptHttpRequest request)
    {
        HttpAnswer answer;
        await _one.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_closed)
            {
                throw new InvalidOperationException("the run has ended");
            }

            pipe.Write(new HttpCall(request.Method, request.Url, request.Headers, request.Body));
            var line = await pipe.Reader.ReadLineAsync().ConfigureAwait(false) ?? throw new IOException("the host closed the pipe");
            answer = WorkerProtocol.Read(line) as HttpAnswer ?? throw new IOException("the host's answer is not an HTTP answer");
        }
        finally
        {
            _one.Release();
        }

        return answer.Error is { } error
            ? throw new InvalidOperationException(error)
            : new ScriptHttpResponse(answer.Status!.Value, answer.Body ?? string.Empty,
                new Dictionary<string, string>(answer.Headers ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>Ends the run's HTTP: a call not yet sent is refused.</summary>
    public async Task CloseAsync()
    {
        await _one.WaitAsync().ConfigureAwait(false);
        _closed = true;
        _one.Release();
    }
}
