using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Execution;

namespace Secrets.Runtime.Hosting;

/// <summary><c>services.AddSecretsRuntime(options => ...)</c>: one <see cref="SecretsRuntime"/>, opened when the host starts.</summary>
public static class SecretsRuntimeServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="SecretsRuntime"/> configured exactly as the CLI configures one from the same settings,
    /// opened asynchronously by a hosted service when the host starts. Also registers its <see cref="ISecretStore"/>,
    /// <see cref="WorkflowExecutor"/> and the shared <see cref="SecretRedactor"/> (available before the start, to give to
    /// Serilog's <c>WithSecretRedaction</c>). The options are checked here, listing every problem.
    /// </summary>
    /// <exception cref="SecretsRuntimeException">A setting is invalid.</exception>
    public static IServiceCollection AddSecretsRuntime(this IServiceCollection services, Action<SecretsRuntimeOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new SecretsRuntimeOptions();
        configure(options);
        var configuration = options.Resolve();

        // The redactor exists before the runtime opens, so a logger built at start-up can share it.
        options.Redactor ??= new SecretRedactor(configuration.Redaction);
        services.AddSingleton(options);
        services.AddSingleton(options.Redactor);
        services.AddSingleton<SecretsRuntimeInitializer>();
        services.AddHostedService(provider => provider.GetRequiredService<SecretsRuntimeInitializer>());
        services.AddSingleton(provider => provider.GetRequiredService<SecretsRuntimeInitializer>().Runtime);
        services.AddSingleton(provider => provider.GetRequiredService<SecretsRuntime>().Store);
        services.AddSingleton(provider => provider.GetRequiredService<SecretsRuntime>().Runs);
        return services;
    }
}
