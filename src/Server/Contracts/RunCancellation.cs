namespace Secrets.Runtime.Server.Contracts;

/// <summary>The answer to <c>POST /api/v1/runs/{id}/cancel</c>.</summary>
/// <param name="Id">The run's id.</param>
/// <param name="Status"><c>cancelled</c>; <c>running</c> (202) while its worker has not stopped it yet; or how it ended when it finished first.</param>
public sealed record RunCancellation(string Id, string Status);
