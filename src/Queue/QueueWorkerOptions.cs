using Secrets.Runtime.Redaction;
using Secrets.Runtime.Runs;

namespace Secrets.Runtime.Queue;

/// <summary>How a worker process takes runs. Defaults are safe.</summary>
internal sealed record QueueWorkerOptions
{
    /// <summary>How many runs execute at once. Default: the processor count, at least 2; 1 to 256.</summary>
    public int Concurrency { get; init; } = Math.Max(2, System.Environment.ProcessorCount);

    /// <summary>The queues runs are taken from, first first. Default: <c>default</c>.</summary>
    public IReadOnlyList<string> Queues { get; init; } = [RunQueue.DefaultQueue];

    /// <summary>Lease and retry settings (also Hangfire's invisibility timeout).</summary>
    public RunQueueOptions Runs { get; init; } = new();

    /// <summary>Checks every setting; the exception lists every problem.</summary>
    /// <exception cref="SecretsRuntimeException">A setting is out of range.</exception>
    public void Validate()
    {
        var problems = new List<string>();
        if (Concurrency is < 1 or > 256)
        {
            problems.Add("Concurrency must be between 1 and 256");
        }

        if (Queues.Count == 0)
        {
            problems.Add("Queues is empty: a worker needs at least one queue");
        }

        foreach (var check in Queues.Select(q => (Action)(() => RunQueue.CheckQueueName(q))).Append(Runs.Validate))
        {
            try
            {
                check();
            }
            catch (SecretsRuntimeException ex)
            {
                problems.Add(ex.Message);
            }
        }

        if (problems.Count > 0)
        {
            throw new SecretsRuntimeException(QueueErrors.OptionsInvalidCode, ErrorKind.InvalidInput, "queue worker options: " + string.Join("; ", problems));
        }
    }
}
