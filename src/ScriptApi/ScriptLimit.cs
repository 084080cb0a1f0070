namespace Secrets.Runtime.Sandbox.CSharp;

/// <summary>The budgets <see cref="ScriptGuard"/> enforces inside a script (the worker reports each as its <c>LimitKind</c>).</summary>
internal enum ScriptLimit
{
    /// <summary>The run's time budget.</summary>
    Time,

    /// <summary>Recursion ran out of stack.</summary>
    Stack,

    /// <summary><c>context.Log</c> wrote more than its limit.</summary>
    Output,
}
