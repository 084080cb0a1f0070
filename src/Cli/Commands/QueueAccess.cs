using System.CommandLine;
using Secrets.Runtime.Queue;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Runs;

namespace Secrets.Runtime.Cli.Commands;

/// <summary>What the queue commands share: the shared database they need, and the queue over it.</summary>
internal static class QueueAccess
{
    /// <summary>The shared database, or the one-line error saying how to name it.</summary>
    public static string Database(CliContext context, ParseResult parse, string what) =>
        context.StoreOptions(parse).Database
        ?? throw new SecretsRuntimeException(CliErrors.QueueNeedsDatabaseCode, ErrorKind.InvalidInput,
            $"{what} needs the shared PostgreSQL store: pass --database or set SECRETS_RUNTIME_DATABASE");

    /// <summary>Opens the run queue with the Hangfire dispatcher (enqueue and cancel).</summary>
    public static Task<RunQueue> OpenAsync(CliContext context, ParseResult parse, string what, CancellationToken cancellationToken)
    {
        var database = Database(context, parse, what);
        return RunQueue.OpenAsync(database, new HangfireRunDispatcher(database), cancellationToken);
    }
}
