using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Secrets.Runtime.Server.Authentication;

/// <summary>On the first start with an empty store, prints the one bootstrap admin token, once, and never logs it.</summary>
internal sealed class BootstrapTokenService(IServiceProvider services, SecretsServerOptions options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var token = await services.GetRequiredService<ITokenAuthenticator>().BootstrapAsync(cancellationToken).ConfigureAwait(false);
        if (token is null)
        {
            return;
        }

        var output = options.BootstrapOutput ?? Console.Out;
        await output.WriteLineAsync("bootstrap admin token (shown once; store it now, then create scoped tokens with `secrets-runtime token create`):").ConfigureAwait(false);
        await output.WriteLineAsync(token).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
