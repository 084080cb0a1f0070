namespace Secrets.Runtime.Sandbox;

/// <summary>Which limit a script run breached; carried as data from the worker to the result, the run record and the exit code.</summary>
public enum LimitKind
{
    /// <summary>Wall time of the run.</summary>
    Time,

    /// <summary>CPU time of the worker's process tree.</summary>
    Cpu,

    /// <summary>The worker's GC heap or address space.</summary>
    Memory,

    /// <summary>Recursion ran out of stack.</summary>
    Stack,

    /// <summary><c>context.Log</c> text, an error message or the worker's answer was too large.</summary>
    Output,

    /// <summary>The return value was too large.</summary>
    Result,

    /// <summary>The script left tasks, timers or threads running after it returned.</summary>
    BackgroundWork,

    /// <summary>Too many <c>context.Http</c> calls.</summary>
    HttpCalls,
}
