using System.Reflection;
using System.Runtime.CompilerServices;
using Secrets.Runtime.Sandbox.Workers.Host;

namespace Secrets.Runtime.Sandbox.Tests.Workers.Host;

/// <summary>The worker side lives in the worker program only, is internal, and keeps its state in instances.</summary>
public sealed class WorkerHostConventionTests
{
    private static readonly Assembly Worker = typeof(ScriptWorker).Assembly;

    [Fact]
    public void The_worker_program_exposes_no_public_type()
    {
        Assert.Empty(Worker.GetExportedTypes());
    }

    [Fact]
    public void The_worker_program_has_no_static_mutable_state()
    {
        var mutable = Worker.GetTypes()
            .Where(t => !t.IsDefined(typeof(CompilerGeneratedAttribute)))
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(f => !f.IsLiteral && !f.IsInitOnly)
            .Select(f => $"{f.DeclaringType!.Name}.{f.Name}")
            .ToList();

        Assert.Empty(mutable);
    }

    [Fact]
    public void The_library_holds_no_worker_loop()
    {
        Assert.DoesNotContain(typeof(Sandbox.Workers.ScriptRunner).Assembly.GetTypes(), t => t.Name is "ScriptWorker" or "CompileLoop" or "HttpGate" or "WorkerPipe");
    }
}
