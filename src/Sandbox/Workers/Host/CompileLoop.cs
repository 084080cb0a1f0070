using Secrets.Runtime.Sandbox.CSharp;
using Secrets.Runtime.Sandbox.Workers.Protocol;

namespace Secrets.Runtime.Sandbox.Workers.Host;

/// <summary>
/// A compile worker (<see cref="WorkerProtocol.CompileMode"/>): keeps Roslyn warm and answers each
/// <see cref="CompileRequest"/> with a <see cref="CompileAnswer"/>. It never runs what it compiles.
/// </summary>
internal sealed class CompileLoop
{
    private readonly ScriptCompiler _compiler = new();

    /// <summary>
    /// Answers compile requests until the input closes (exit code 0) or a line is not one (1), on the thread that
    /// started the worker (not a pool thread): a compile hands its policy walk to the pool, which, asked from a pool thread, measured 40% slower than from a thread of its own.
    /// </summary>
    public int Run(StreamReader reader, Stream output)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(output);
        _ = _compiler.Compile("var n = context.Secrets.Count; return new JsonObject { [\"n\"] = n + Enumerable.Range(0, 3).Sum() }.ToJsonString();");
        _ = WorkerProtocol.Read(WorkerProtocol.Write(new CompileRequest("1")));
        output.Write(WorkerProtocol.Frame(new ReadyMessage()));
        output.Flush();
        while (reader.ReadLine() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (WorkerProtocol.Read(line) is not CompileRequest request)
            {
                return 1;
            }

            var result = _compiler.Compile(request.Source);
            output.Write(WorkerProtocol.Frame(result.Succeeded ? new CompileAnswer(result.Image, null) : new CompileAnswer(null, result.Diagnostics)));
            output.Flush();
        }

        return 0;
    }
}
