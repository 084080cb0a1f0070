namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>Which idle workers a run may take: only those that served the same tenant, principal, credentials and heap.</summary>
/// <param name="Tenant">The organization.</param>
/// <param name="Principal">Who runs.</param>
/// <param name="Credentials">A keyed hash of the credentials (aliases and values); empty for none.</param>
/// <param name="Heap">The heap limit the worker was started with.</param>
internal readonly record struct WorkerPoolKey(string Tenant, string Principal, string Credentials, long Heap);
