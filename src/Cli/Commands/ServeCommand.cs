using System.CommandLine;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Secrets.Runtime.Server;

namespace Secrets.Runtime.Cli.Commands;

/// <summary><c>serve [--urls URL] [--allow-remote] [--queue [--queue-name Q]] [--dashboard]</c>: the HTTP API over this home's store, until Ctrl+C.</summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var urls = new Option<string?>("--urls") { Description = $"Where to listen, ';'-separated (default {SecretsServerOptions.DefaultUrl}: loopback only)" };
        var allowRemote = new Option<bool>("--allow-remote") { Description = "Allow an address other than loopback in --urls (put TLS in front of it)" };
        var queue = new Option<bool>("--queue") { Description = "Queue runs for workers (secrets-runtime worker) instead of running them in this process; needs the shared PostgreSQL store" };
        var queueName = new Option<string>("--queue-name") { Description = "The queue, with --queue (default: default)", DefaultValueFactory = _ => Runs.RunQueue.DefaultQueue };
        var dashboard = new Option<bool>("--dashboard") { Description = $"Mount Hangfire's dashboard at {SecretsServerOptions.DashboardPath} for admins (secrets:admin of an admin of every organization); needs the shared PostgreSQL store" };
        var command = new Command("serve", "Serve the HTTP API (secrets, workflows, runs) with bearer tokens; the first start on an empty store prints one admin token") { urls, allowRemote, queue, queueName, dashboard };
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var options = new SecretsServerOptions
            {
                Urls = parse.GetValue(urls) is { Length: > 0 } given ? given : SecretsServerOptions.DefaultUrl,
                AllowRemote = parse.GetValue(allowRemote),
                Runtime = context.RuntimeOptions(parse),
                BootstrapOutput = context.Console.Out,
                Queue = parse.GetValue(queue) ? parse.GetValue(queueName) : null,
                Dashboard = parse.GetValue(dashboard),
            };
            options.Runtime.Home = Store.StoreOptions.ResolveHome(options.Runtime.Home, context.Console.Environment);
            try
            {
                options.Validate();
            }
            catch (ArgumentException ex)
            {
                throw CliErrors.InputInvalid(ex.Message);
            }

            using var host = SecretsServerHost.CreateBuilder(options).Build();
            await host.StartAsync(ct).ConfigureAwait(false);
            var addresses = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            foreach (var address in addresses)
            {
                await context.Console.Out.WriteLineAsync("listening on " + address).ConfigureAwait(false);
            }

            await context.Console.Out.FlushAsync(ct).ConfigureAwait(false);
            await host.WaitForShutdownAsync(ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
