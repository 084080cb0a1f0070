namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>How worker processes are isolated beyond being separate processes with an empty environment.</summary>
public enum WorkerIsolation
{
    /// <summary>Bubblewrap when it is installed and works on this machine, plain processes otherwise.</summary>
    Auto,

    /// <summary>A separate process with an empty environment and a GC heap hard limit.</summary>
    Process,

    /// <summary>As <see cref="Process"/>, inside bubblewrap namespaces: no network, read-only system folders, a private /tmp, no home folder. Fails when bubblewrap is missing.</summary>
    Bubblewrap,
}
