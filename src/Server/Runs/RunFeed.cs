using Secrets.Runtime.Server.Contracts;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Server.Runs;

/// <summary>The live side of one run: who started it, its node events as they happen, and its masked record at the end.</summary>
internal sealed class RunFeed : IProgress<NodeProgress>
{
    private readonly Lock _gate = new();
    private readonly List<RunEvent> _events = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<RunRecord> _record = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RunFeed(string runId, string startedBy, string principal, string project)
    {
        RunId = runId;
        StartedBy = startedBy;
        Principal = principal;
        Project = project;
    }

    public string RunId { get; }

    /// <summary>The caller who started the run.</summary>
    public string StartedBy { get; }

    /// <summary>The user whose values the run reads.</summary>
    public string Principal { get; }

    /// <summary>The workflow's project.</summary>
    public string Project { get; }

    /// <summary>The masked record, once the run has ended.</summary>
    public Task<RunRecord> Record => _record.Task;

    public void Report(NodeProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Append(new RunEvent(value.NodeId, value.Index, value.Count, value.Status?.ToString().ToLowerInvariant(), value.ElapsedMs, value.Error));
    }

    public void Complete(RunRecord record)
    {
        Append(new RunEvent(null, record.Nodes.Count, record.Nodes.Count, record.Status.ToString().ToLowerInvariant(), 0, null));
        _record.TrySetResult(record);
    }

    public void Fail(Exception exception) => _record.TrySetException(exception);

    /// <summary>Every event from the first, then each new one as it comes, until the run's end event.</summary>
    public async IAsyncEnumerable<RunEvent> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var next = 0;
        while (true)
        {
            RunEvent[] fresh;
            Task changed;
            lock (_gate)
            {
                fresh = _events.Skip(next).ToArray();
                changed = _changed.Task;
            }

            foreach (var item in fresh)
            {
                yield return item;
                if (item.Node is null)
                {
                    yield break;
                }
            }

            next += fresh.Length;
            if (_record.Task.IsFaulted)
            {
                yield break;
            }

            await Task.WhenAny(changed, _record.Task).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void Append(RunEvent item)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _events.Add(item);
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }
}
