using System.Collections;
using Microsoft.Extensions.DependencyInjection;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows;

namespace Secrets.Runtime.Hosting;

/// <summary><c>services.AddSecretsRuntime(options => ...)</c>: the store, one shared redactor and the workflow executor.</summary>
public static class SecretsRuntimeServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ISecretStore"/> (SQLite in <see cref="SecretsRuntimeOptions.Home"/>, or the shared PostgreSQL <see cref="SecretsRuntimeOptions.Database"/>), a singleton
    /// <see cref="SecretRedactor"/> (share it with Serilog's <c>WithSecretRedaction</c>) and <see cref="WorkflowExecutor"/>.
    /// </summary>
    public static IServiceCollection AddSecretsRuntime(this IServiceCollection services, Action<SecretsRuntimeOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new SecretsRuntimeOptions();
        configure(options);
        if (string.IsNullOrWhiteSpace(options.Home))
        {
            throw new ArgumentException("SecretsRuntimeOptions.Home is required: the folder of the store", nameof(configure));
        }

        var environment = options.Environment ?? System.Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => e.Value as string, StringComparer.Ordinal);
        var storeOptions = new StoreOptions { Home = options.Home, Environment = environment, Database = options.Database, MaxStaleness = options.MaxStaleness };
        storeOptions.Validate();
        services.AddSingleton(options);
        services.AddSingleton(_ => new SecretRedactor(options.Redaction));
        services.AddSingleton<ISecretStore>(_ => SecretStore.OpenAsync(storeOptions).GetAwaiter().GetResult());
        services.AddSingleton(provider => WorkflowExecutor.Create(
            provider.GetRequiredService<ISecretStore>(),
            options.Executor with { Redactor = provider.GetRequiredService<SecretRedactor>(), RunRecordsHome = options.Executor.RunRecordsHome ?? options.Home }));
        return services;
    }
}
