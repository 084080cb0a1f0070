using Secrets.Runtime.Sandbox.Workers;

// A worker: reads requests from stdin, one JSON line each, and answers on stdout. `--compile` makes it a compile worker.
return await ScriptWorker.RunAsync(args, Console.OpenStandardInput(), Console.OpenStandardOutput()).ConfigureAwait(false);
