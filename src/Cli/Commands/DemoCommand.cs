using System.CommandLine;
using System.Security.Cryptography;
using Secrets.Runtime.Cli.Demo;

namespace Secrets.Runtime.Cli.Commands;

/// <summary><c>demo</c>: the README's main job, on a fresh temporary home folder that is deleted afterwards.</summary>
internal static class DemoCommand
{
    public static Command Create(CliContext context)
    {
        var keep = new Option<bool>("--keep") { Description = "Keep the temporary home folder and print its path" };
        var command = new Command("demo", "Store secrets, import a .env, rotate the key and run the sample workflows against a local echo server, on a fresh home folder") { keep };
        command.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            var home = Directory.CreateTempSubdirectory("secrets-runtime-demo-").FullName;
            try
            {
                var environment = new Dictionary<string, string?>(context.Console.Environment, StringComparer.Ordinal)
                {
                    ["SECRETS_RUNTIME_HOME"] = home,
                    ["SECRETS_RUNTIME_MASTER_KEY"] = null,
                };
                var demo = new DemoScript(context.Console, home, environment);
                return await demo.RunAsync(ct).ConfigureAwait(false);
            }
            finally
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                if (parse.GetValue(keep))
                {
                    await context.Console.Out.WriteLineAsync($"home folder kept: {home}; try the hints above with SECRETS_RUNTIME_HOME={CliContext.Quote(home)} (or --home)").ConfigureAwait(false);
                }
                else
                {
                    Directory.Delete(home, recursive: true);
                    await context.Console.Out.WriteLineAsync("home folder deleted; run `secrets-runtime demo --keep` to keep it and follow the `runs show` hints").ConfigureAwait(false);
                }
            }
        }));
        return command;
    }

    /// <summary>A random value that looks like an API key; generated per run, never committed, never printed.</summary>
    internal static string RandomValue(string prefix) => prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
