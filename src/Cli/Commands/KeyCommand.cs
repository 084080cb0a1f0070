using System.CommandLine;

namespace Secrets.Runtime.Cli.Commands;

/// <summary><c>key rotate</c>.</summary>
internal static class KeyCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("key", "Manage the key ring");
        var rotate = new Command("rotate", "Add a new key-encryption key, make it active and re-wrap every data key (values untouched; reads keep working)");
        rotate.SetAction((parse, ct) => context.RunAsync(parse, async () =>
        {
            await using var runtime = await context.OpenExistingRuntimeAsync(parse, ct).ConfigureAwait(false);
            var store = runtime.Store;
            var id = await store.RotateKeyAsync(context.Principal(parse), ct).ConfigureAwait(false);
            await context.Console.Out.WriteLineAsync($"rotated: new active key {id}; every data key re-wrapped").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        command.Subcommands.Add(rotate);
        return command;
    }
}
