using Hangfire;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Secrets.Runtime.Queue;
using Secrets.Runtime.Server.Authentication;

namespace Secrets.Runtime.Server.Runs;

/// <summary>
/// Hangfire's dashboard at <see cref="SecretsServerOptions.DashboardPath"/>, when <see cref="SecretsServerOptions.Dashboard"/>
/// asks for it: behind the server's authentication (anonymous 401), for a token with <c>secrets:admin</c> of an admin
/// of every organization only (anyone else 403). The jobs it shows carry run ids alone.
/// </summary>
internal static class QueueDashboard
{
    public static void AddServices(IServiceCollection services, SecretsServerOptions options)
    {
        if (options.Dashboard)
        {
            // The dashboard's routes and renderers; the storage it reads is passed where it is mapped.
            services.AddHangfire(configuration => configuration.SetDataCompatibilityLevel(CompatibilityLevel.Version_180).UseRecommendedSerializerSettings());
        }
    }

    public static void Map(IEndpointRouteBuilder endpoints, SecretsServerOptions options)
    {
        if (!options.Dashboard)
        {
            return;
        }

        var database = options.SharedDatabase() ?? throw new InvalidOperationException("the dashboard needs the shared PostgreSQL store");
        var dashboard = new DashboardOptions
        {
            Authorization = [new StoreAdminFilter()],
            AsyncAuthorization = [],
            DisplayStorageConnectionString = false,
            DashboardTitle = "secrets-runtime queue",
            AppPath = null,
        };
        endpoints.MapHangfireDashboard(SecretsServerOptions.DashboardPath, dashboard, QueueStorage.Create(database, options.QueueOptions.LeaseDuration))
            .RequireAuthorization(ApiScopes.SecretsAdmin)
            .ExcludeFromDescription();
    }

    /// <summary>Past the scope policy, only an admin of every organization: Hangfire answers 403 to anyone else.</summary>
    private sealed class StoreAdminFilter : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) =>
            context.GetHttpContext().Features.Get<ApiCaller>()?.Principal.IsStoreAdmin == true;
    }
}
