namespace Secrets.Runtime.Server.Contracts;

/// <summary>A saved workflow that refers to a secret.</summary>
/// <param name="Project">The workflow's project.</param>
/// <param name="Name">The workflow's name.</param>
/// <param name="Nodes">The nodes that refer to it.</param>
public sealed record SecretWorkflowUse(string Project, string Name, IReadOnlyList<string> Nodes);
