namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>How a script run ended.</summary>
internal enum ScriptStatus
{
    /// <summary>The script returned a value.</summary>
    Ok,

    /// <summary>Refused by the compiler or the policy; nothing ran.</summary>
    Rejected,

    /// <summary>A limit was exceeded (time, memory, stack, output); the worker was killed.</summary>
    Limited,

    /// <summary>The script threw, or its worker crashed.</summary>
    Error,
}
