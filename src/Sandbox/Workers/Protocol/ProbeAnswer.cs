namespace Secrets.Runtime.Sandbox.Workers.Protocol;

/// <summary>Worker to host: what the worker sees, as the kernel reports it from inside.</summary>
/// <param name="Environment">The names of its environment variables.</param>
/// <param name="Paths">Each probed path and whether it exists.</param>
/// <param name="Interfaces">Its network interfaces.</param>
/// <param name="ReachedHostPort">True when it connected to the host port.</param>
/// <param name="Pid">Its process id, as it sees it.</param>
/// <param name="Status">Selected fields of <c>/proc/self/status</c> (uid, gid, capabilities, no_new_privs, seccomp).</param>
/// <param name="Namespaces">Namespace kind to the kernel's id.</param>
/// <param name="Limits">Resource limit name to its hard value.</param>
internal sealed record ProbeAnswer(
    IReadOnlyList<string> Environment,
    IReadOnlyDictionary<string, bool> Paths,
    IReadOnlyList<string> Interfaces,
    bool ReachedHostPort,
    int Pid,
    IReadOnlyDictionary<string, string> Status,
    IReadOnlyDictionary<string, string?> Namespaces,
    IReadOnlyDictionary<string, string> Limits) : WorkerMessage;
