namespace Secrets.Runtime.Sandbox;

/// <summary>
/// Which limit a script run or an expression breached; carried as data from the worker or the evaluator to the result,
/// the run record, the JSON output and the exit code.
/// </summary>
public enum LimitKind
{
    /// <summary>Wall time of the run (for expressions: the evaluating thread's CPU time, or the wall-time backstop).</summary>
    Time,

    /// <summary>CPU time of the worker's process tree.</summary>
    Cpu,

    /// <summary>The worker's GC heap or address space; an expression's memory budget.</summary>
    Memory,

    /// <summary>Recursion ran out of stack.</summary>
    Stack,

    /// <summary><c>context.Log</c> text, an error message or the worker's answer was too large.</summary>
    Output,

    /// <summary>The return value (or an expression's result) was too large.</summary>
    Result,

    /// <summary>The script left tasks, timers or threads running after it returned.</summary>
    BackgroundWork,

    /// <summary>Too many <c>context.Http</c> calls.</summary>
    HttpCalls,

    /// <summary>An expression ran too many statements.</summary>
    Statements,

    /// <summary>An expression recursed too deeply.</summary>
    Recursion,

    /// <summary>A regular expression in an expression ran past its time limit.</summary>
    Regex,

    /// <summary>An expression's source was too long (refused before it ran).</summary>
    SourceLength,

    /// <summary>An expression was nested too deeply (refused before it ran).</summary>
    Nesting,
}
