using Secrets.Runtime.Runs;

namespace Secrets.Runtime.Server.Contracts;

/// <summary>The answer to <c>GET /api/v1/workers</c>: the live workers, as <c>secrets-runtime workers</c> lists them.</summary>
/// <param name="Data">Each live worker (heartbeat within its lease): id, host, process id, concurrency, queues, the runs it holds.</param>
internal sealed record WorkerPage(IReadOnlyList<WorkerInfo> Data);
