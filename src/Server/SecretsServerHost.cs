using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Secrets.Runtime.Hosting;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Redaction.Logging;
using Secrets.Runtime.Server.Authentication;
using Secrets.Runtime.Server.WebConsole;
using Secrets.Runtime.Server.Endpoints;
using Secrets.Runtime.Server.Http;
using Secrets.Runtime.Server.Problems;
using Secrets.Runtime.Server.Runs;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;
using Serilog;

namespace Secrets.Runtime.Server;

/// <summary>
/// Builds the server: one host for <c>secrets-runtime serve</c>, the tests' <c>WebApplicationFactory</c> and an
/// embedder. Kestrel, bearer authentication with a policy per scope, problem+json errors, security headers, request
/// logs through the redacting Serilog pipeline, and the API's endpoints.
/// </summary>
public static class SecretsServerHost
{
    /// <summary>A host builder for <paramref name="options"/>; <paramref name="configureServices"/> may replace services (tests do).</summary>
    /// <exception cref="ArgumentException">The options are invalid (every problem is listed).</exception>
    public static IHostBuilder CreateBuilder(SecretsServerOptions options, Action<IServiceCollection>? configureServices = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        // One redactor for the runtime and the log pipeline, created before either, so no log line can miss it.
        var redactor = options.Runtime.Redactor ??= new SecretRedactor(options.Runtime.Redaction);
        var logger = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", Serilog.Events.LogEventLevel.Warning)
            .MinimumLevel.Override("Serilog.AspNetCore.RequestLoggingMiddleware", Serilog.Events.LogEventLevel.Information)
            .WithSecretRedaction(redactor, options.WriteLogsTo ?? (sinks => sinks.Console(new Serilog.Formatting.Compact.RenderedCompactJsonFormatter(), standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose)))
            .CreateLogger();
        options.Runtime.Logger ??= logger;
        return new HostBuilder()
            .UseContentRoot(AppContext.BaseDirectory)
            .ConfigureServices(services =>
            {
                services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
                services.AddSingleton<ILogger>(logger);
                AddServices(services, options);
                configureServices?.Invoke(services);
            })
            .UseSerilog(logger, dispose: true)
            .ConfigureWebHost(web => web
                .UseKestrel(kestrel =>
                {
                    kestrel.AddServerHeader = false;
                    kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
                })
                .UseUrls(options.Urls)
                .UseShutdownTimeout(options.ShutdownTimeout)
                .Configure(Configure));
    }

    private static void AddServices(IServiceCollection services, SecretsServerOptions options)
    {
        services.AddSingleton(options);
        var runtime = options.Runtime;
        services.AddSecretsRuntime(o =>
        {
            o.Home = runtime.Home;
            o.Environment = runtime.Environment;
            o.Database = runtime.Database;
            o.MaxStaleness = runtime.MaxStaleness;
            o.Isolation = runtime.Isolation;
            o.CompileCacheDirectory = runtime.CompileCacheDirectory;
            o.ScriptLimits = runtime.ScriptLimits;
            o.ExpressionLimits = runtime.ExpressionLimits;
            o.Redaction = runtime.Redaction;
            o.Redactor = runtime.Redactor;
            o.Logger = runtime.Logger;
            o.HttpHandler = runtime.HttpHandler;
            o.HttpTimeout = runtime.HttpTimeout;
            o.KeepRunRecords = true;
        });
        services.TryAddSingleton<IRunRecordStore>(provider => provider.GetRequiredService<SecretsRuntime>().RunRecords
            ?? throw new InvalidOperationException("the runtime keeps no run records"));
        services.TryAddSingleton<ITokenAuthenticator, StoreTokenAuthenticator>();
        services.TryAddSingleton<SecretRowJson>();

        // The server needs the store's members, versions and check-and-set, which only SecretStore has.
        services.TryAddSingleton(provider => provider.GetRequiredService<Store.ISecretStore>() as Store.SecretStore
            ?? throw new InvalidOperationException("the server serves a SecretStore (SQLite or PostgreSQL)"));
        services.AddRouting();
        services.ConfigureHttpJsonOptions(json => ApiJson.Configure(json.SerializerOptions));
        services.AddProblemDetails(problems => problems.CustomizeProblemDetails = context =>
        {
            // Errors the framework writes itself (an unknown route, a wrong method) get the same two members.
            var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
            context.ProblemDetails.Extensions.TryAdd("code", status switch
            {
                StatusCodes.Status404NotFound => Secrets.Runtime.Server.Problems.ApiErrors.HttpNotFoundCode,
                StatusCodes.Status405MethodNotAllowed => Secrets.Runtime.Server.Problems.ApiErrors.HttpMethodNotAllowedCode,
                StatusCodes.Status415UnsupportedMediaType => Secrets.Runtime.Server.Problems.ApiErrors.HttpUnsupportedMediaTypeCode,
                _ => "http." + status.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            context.ProblemDetails.Extensions.TryAdd("errors", Array.Empty<ApiError>());
            context.ProblemDetails.Extensions.Remove("traceId");
        });
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.AddSingleton<FailedAuthenticationLimiter>();
        var authentication = services.AddAuthentication(BearerAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, BearerAuthenticationHandler>(BearerAuthenticationHandler.SchemeName, bearer => bearer.ForwardDefaultSelector = ConsoleSetup.SelectScheme);
        ConsoleSetup.AddServices(services, authentication);
        services.AddAuthorization(authorization =>
        {
            foreach (var scope in ApiScopes.All)
            {
                authorization.AddPolicy(scope, policy => policy
                    .AddAuthenticationSchemes(BearerAuthenticationHandler.SchemeName)
                    .RequireAuthenticatedUser()
                    .RequireAssertion(context => ApiScopes.Satisfies(context.User.FindAll(BearerAuthenticationHandler.ScopeClaim).Select(c => c.Value), scope)));
            }
        });
        services.AddOpenApi(ApiDocument.Configure);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<Workflows.StoredWorkflowStore>();
        services.TryAddSingleton<RunCoordinator>();
        services.AddHostedService(provider => provider.GetRequiredService<RunCoordinator>());
        services.TryAddSingleton<QueuedRuns>();
        services.AddHostedService(provider => provider.GetRequiredService<QueuedRuns>());
        QueueDashboard.AddServices(services, options);
        services.AddHostedService<BootstrapTokenService>();

        // After the runtime's initializer (registered by AddSecretsRuntime above), so the store is open.
        services.AddHostedService<Workflows.StoredWorkflowImport>();
    }

    private static void Configure(IApplicationBuilder app)
    {
        app.Use(SecurityHeaders.ApplyAsync);
        // Method, path (never the query string), status and time of each request, through the redacting logger.
        app.UseSerilogRequestLogging(o => o.Logger = app.ApplicationServices.GetRequiredService<ILogger>());
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRouting();
        app.UseAuthentication();
        app.Use(ConsoleAntiforgery.ValidateAsync);
        app.UseAuthorization();
        app.UseEndpoints(endpoints =>
        {
            endpoints.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
            QueueDashboard.Map(endpoints, app.ApplicationServices.GetRequiredService<SecretsServerOptions>());
            HealthEndpoints.Map(endpoints);
            ConsoleEndpoints.Map(endpoints);
            var api = endpoints.MapGroup("/api/v1");
            MeEndpoint.Map(api);
            SecretEndpoints.Map(api);
            ImportEndpoints.Map(api);
            KeyEndpoints.Map(api);
            AuditEndpoints.Map(api);
            WorkflowEndpoints.Map(api);
            RunEndpoints.Map(api);
            WorkerEndpoints.Map(api);
        });
    }
}
