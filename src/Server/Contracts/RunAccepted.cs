namespace Secrets.Runtime.Server.Contracts;

/// <summary>The answer to a run started without <c>?wait=true</c>, or asked for while it is queued or runs: 202, with <c>Location</c> naming the run.</summary>
/// <param name="Id">The run's id.</param>
/// <param name="Status"><c>queued</c> (waiting for a worker) or <c>running</c>.</param>
/// <param name="Location">The run record's address.</param>
/// <param name="Events">The address of its server-sent events.</param>
public sealed record RunAccepted(string Id, string Status, string Location, string Events)
{
    /// <summary>A queued run's attempts so far (which worker, how each ended); null for a run in the server's own process.</summary>
    public IReadOnlyList<RunAttemptInfo>? Attempts { get; init; }
}
