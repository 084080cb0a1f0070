using Secrets.Runtime.Store;

namespace Secrets.Runtime.Workflows.Records;

/// <summary>Where a run found a secret: scope, owner and the version it pinned. Never the value.</summary>
/// <param name="Name">The secret's name.</param>
/// <param name="Scope">The scope it came from.</param>
/// <param name="Owner">The project, organization or user that owns it.</param>
/// <param name="Version">The version the run used for every node.</param>
public sealed record SecretSourceRecord(string Name, SecretScope Scope, string Owner, int Version);
