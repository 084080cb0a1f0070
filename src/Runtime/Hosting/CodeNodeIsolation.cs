namespace Secrets.Runtime.Hosting;

/// <summary>How a <see cref="SecretsRuntime"/> isolates the workers C# code nodes run in; the <c>SECRETS_RUNTIME_ISOLATION</c> setting.</summary>
public enum CodeNodeIsolation
{
    /// <summary>The default and the security boundary: bubblewrap sandboxes; a worker is reused only by the same tenant, principal and credentials.</summary>
    Bubblewrap,

    /// <summary>Bubblewrap sandboxes, and a fresh worker for every run, never reused.</summary>
    Strict,

    /// <summary>Trusted code only: a separate process with no sandbox. Chosen explicitly, never as a fallback.</summary>
    Process,
}
