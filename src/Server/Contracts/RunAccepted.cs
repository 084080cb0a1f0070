namespace Secrets.Runtime.Server.Contracts;

/// <summary>The answer to a run started without <c>?wait=true</c>: 202, with <c>Location</c> naming the run.</summary>
/// <param name="Id">The run's id.</param>
/// <param name="Status"><c>running</c>.</param>
/// <param name="Location">The run record's address.</param>
/// <param name="Events">The address of its server-sent events.</param>
public sealed record RunAccepted(string Id, string Status, string Location, string Events);
