namespace Secrets.Runtime.Server.Contracts;

/// <summary>One server-sent event of a run: a node started or finished, or the run ended.</summary>
/// <param name="Node">The node's id (null for the run's end).</param>
/// <param name="Index">The node's position, from 0.</param>
/// <param name="Count">How many nodes the workflow has.</param>
/// <param name="Status">null while the node runs; its status once done; the run's status at the end.</param>
/// <param name="ElapsedMs">Milliseconds the node took.</param>
/// <param name="Error">The masked error of a failed node.</param>
public sealed record RunEvent(string? Node, int Index, int Count, string? Status, double ElapsedMs, string? Error);
