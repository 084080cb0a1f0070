namespace Secrets.Runtime.Hosting;

/// <summary>
/// Opens the container's <see cref="SecretsRuntime"/> when the host starts (asynchronously, never blocking a
/// thread) and disposes it when the host stops; the runtime's services resolve only after it has started.
/// </summary>
internal sealed class SecretsRuntimeInitializer(SecretsRuntimeOptions options) : Microsoft.Extensions.Hosting.IHostedService, IAsyncDisposable
{
    private SecretsRuntime? _runtime;

    /// <summary>The open runtime.</summary>
    /// <exception cref="InvalidOperationException">The host has not started yet.</exception>
    public SecretsRuntime Runtime => _runtime ?? throw new InvalidOperationException(
        "the secrets runtime opens when the host starts: start the host (IHost.StartAsync) before resolving its services");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _runtime ??= await SecretsRuntime.OpenAsync(options, cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_runtime is { } runtime)
        {
            _runtime = null;
            await runtime.DisposeAsync().ConfigureAwait(false);
        }
    }
}
