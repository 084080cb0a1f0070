using System.Text;
using Secrets.Runtime.Sandbox.Workers.Host;
using Secrets.Runtime.Sandbox.Workers.Protocol;

// A worker: reads requests from stdin, one JSON line each, and answers on stdout. `--compile` makes it a compile worker.
// Regexes built without a timeout still stop: set before any Regex is created.
AppContext.SetData("REGEX_DEFAULT_MATCH_TIMEOUT", TimeSpan.FromMilliseconds(200));
using var input = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false));
using var output = Console.OpenStandardOutput();
return args is [WorkerProtocol.CompileMode, ..]
    ? new CompileLoop().Run(input, output)
    : new ScriptWorker().Run(input, output);
