using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Workflows.Execution;

/// <summary>A progress report for one node, for live display.</summary>
/// <param name="NodeId">The node.</param>
/// <param name="Index">Its position (0-based).</param>
/// <param name="Count">How many nodes the workflow has.</param>
/// <param name="Status">Null while running; the final status once done.</param>
/// <param name="ElapsedMs">Milliseconds since the node started.</param>
/// <param name="Error">The masked error when it failed.</param>
public sealed record NodeProgress(string NodeId, int Index, int Count, RunStatus? Status, double ElapsedMs, string? Error = null);
