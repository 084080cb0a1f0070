namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>How worker processes are isolated from the host. There is no silent fallback from one to the other.</summary>
public enum WorkerIsolation
{
    /// <summary>
    /// The default and the security boundary: bubblewrap namespaces (user, PID, network, IPC, UTS, mount) as a uid that
    /// is not the host's, a seccomp filter, hard resource limits, only the .NET runtime and the worker's own files
    /// mounted read-only, and a private size-capped /tmp. When bubblewrap, libseccomp or util-linux's
    /// <c>setpriv</c>/<c>prlimit</c> are missing or namespaces cannot be created, code nodes fail with an error that
    /// says how to install them.
    /// </summary>
    Bubblewrap,

    /// <summary>
    /// Trusted code only: a separate process with an empty environment and a GC heap hard limit, and nothing else. A
    /// script that gets past the API policy runs with the host's rights. Chosen explicitly, never as a fallback.
    /// </summary>
    Process,
}
