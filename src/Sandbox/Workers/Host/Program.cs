using Secrets.Runtime.Sandbox.Workers;

// Reads one request from stdin, runs it, writes one response to stdout. Nothing else: no environment, no files.
return await ScriptWorker.RunAsync(Console.OpenStandardInput(), Console.OpenStandardOutput()).ConfigureAwait(false);
