using System.Globalization;
using System.Net.ServerSentEvents;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Secrets.Runtime.Server.Authentication;
using Secrets.Runtime.Server.Contracts;
using Secrets.Runtime.Server.Http;
using Secrets.Runtime.Server.Problems;
using Secrets.Runtime.Server.Runs;
using Secrets.Runtime.Server.Workflows;
using Secrets.Runtime.Runs;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;
using Secrets.Runtime.Workflows.Execution;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Server.Endpoints;

/// <summary>
/// Runs: of a saved workflow or of one sent inline; 202 with <c>Location</c>, or 200 with the finished masked record
/// on <c>?wait=true</c>; the record, the list, and each node's progress as server-sent events.
/// </summary>
internal static class RunEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var runs = api.MapGroup("/").WithTags("runs").RequireAuthorization(ApiScopes.RunsExecute);
        runs.MapPost("/projects/{project}/workflows/{name}/runs", StartStoredAsync)
            .WithName("runWorkflow").WithSummary("Runs a saved workflow: 202 with Location, or 200 with the masked record with ?wait=true.")
            .Accepts<StartRunRequest>("application/json").Produces<RunAccepted>(StatusCodes.Status202Accepted).Produces<RunRecord>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        runs.MapPost("/runs", StartInlineAsync)
            .WithName("runInline").WithSummary("Runs a workflow sent inline as the caller (manual): 202 with Location, or 200 with the masked record with ?wait=true.")
            .Accepts<InlineRunRequest>("application/json").Produces<RunAccepted>(StatusCodes.Status202Accepted).Produces<RunRecord>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        runs.MapGet("/runs", ListAsync)
            .WithName("listRuns").WithSummary("The runs the caller may see (its own, its projects' as project admin, all as admin), queued ones included, newest first.")
            .Produces<RunPage>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        runs.MapGet("/runs/{id}", GetAsync)
            .WithName("getRun").WithSummary("The masked run record (202 while it is queued or runs); a queued run's also has its queue and attempts.")
            .Produces<RunRecord>(StatusCodes.Status200OK).Produces<RunAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        runs.MapPost("/runs/{id}/cancel", CancelAsync)
            .WithName("cancelRun").WithSummary("Cancels a queued run, queued or running, on whichever worker holds it: 200 once cancelled, 202 if its worker has not stopped it within 10 s.")
            .Produces<RunCancellation>(StatusCodes.Status200OK).Produces<RunCancellation>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        runs.MapGet("/runs/{id}/events", EventsAsync)
            .WithName("runEvents").WithSummary("Each node's progress as server-sent events (event: node), then event: end.")
            .Produces<RunEvent>(StatusCodes.Status200OK, "text/event-stream")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> StartStoredAsync(HttpContext context, StoredWorkflowStore workflows, SecretStore store, RunCoordinator runs, QueuedRuns queued, SecretsServerOptions options, string project, string name, bool? wait, CancellationToken cancellationToken)
    {
        var principal = Callers.PrincipalOf(context);
        StoredWorkflowStore.ValidateName(project, "project");
        StoredWorkflowStore.ValidateName(name, "name");
        var body = context.Request.ContentLength is 0 || (context.Request.ContentLength is null && !context.Request.Headers.ContainsKey("Transfer-Encoding"))
            ? new StartRunRequest()
            : await RequestBody.ReadJsonAsync<StartRunRequest>(context, options.MaxRequestBodyBytes, cancellationToken).ConfigureAwait(false);
        var trigger = ParseTrigger(body.Trigger);
        RequireUse(principal, project);
        var stored = await WorkflowEndpoints.FindAsync(workflows, principal, project, name, cancellationToken).ConfigureAwait(false);
        var workflow = Store.SavedWorkflows.SavedWorkflowStore.Load(stored);

        // Manual: the caller's values (its token's scopes included). Api, webhook, schedule: the stored workflow's
        // owner's, whose personal secrets apply to its own workflow's triggers only.
        var runAs = trigger == RunTrigger.Manual ? principal : await store.Access.PrincipalAsync(stored.Owner, cancellationToken).ConfigureAwait(false);
        var request = new RunRequest { User = runAs.UserId, Principal = runAs, Trigger = trigger, Input = body.Input, ActingUser = principal.UserId };
        return await StartAsync(runs, queued, workflow, request, principal.UserId, wait ?? false, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IResult> StartInlineAsync(HttpContext context, RunCoordinator runs, QueuedRuns queued, SecretsServerOptions options, bool? wait, CancellationToken cancellationToken)
    {
        var principal = Callers.PrincipalOf(context);
        var body = await RequestBody.ReadJsonAsync<InlineRunRequest>(context, options.MaxRequestBodyBytes, cancellationToken).ConfigureAwait(false);
        var document = (JsonObject)body.Workflow.DeepClone();

        // An inline run is manual and runs as the caller: whatever owner the document names, the caller's personal secrets apply.
        document["owner"] = principal.UserId;
        var workflow = WorkflowLoader.Parse(document.ToJsonString(), "inline");
        RequireUse(principal, workflow.Project);
        var request = new RunRequest { User = principal.UserId, Principal = principal, Trigger = RunTrigger.Manual, Input = body.Input };
        return await StartAsync(runs, queued, workflow, request, principal.UserId, wait ?? false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// In this process, or (serve --queue) as a row and a job for the workers: the request carries the caller's
    /// principal either way, so a queued run reads exactly what the same run here would.
    /// </summary>
    private static async Task<IResult> StartAsync(RunCoordinator runs, QueuedRuns queued, WorkflowDefinition workflow, RunRequest request, string startedBy, bool wait, CancellationToken cancellationToken)
    {
        if (!queued.Enqueues)
        {
            return await AnswerAsync(runs.Start(workflow, request, startedBy), wait, cancellationToken).ConfigureAwait(false);
        }

        var runId = await queued.SubmitAsync(workflow, request, cancellationToken).ConfigureAwait(false);
        if (wait)
        {
            return QueuedRunView.Answer(await queued.WaitAsync(runId, cancellationToken).ConfigureAwait(false));
        }

        var location = "/api/v1/runs/" + runId;
        return TypedResults.Accepted(location, new RunAccepted(runId, "queued", location, location + "/events"));
    }

    /// <summary>
    /// A workflow naming a project the caller has no role in is refused here, before the executor reads any value, so
    /// no "use" reaches the audit log. Past this, every value read is checked against the run's principal by the store.
    /// </summary>
    private static void RequireUse(Principal principal, string project)
    {
        if (!principal.Has(SecretScope.Project, project, SecretRole.Reader))
        {
            throw new ApiProblemException(StatusCodes.Status403Forbidden, Secrets.Runtime.Server.Problems.ApiErrors.RunProjectForbiddenCode, "you may not use the secrets of this workflow's project", [new ApiError("no role in this project", "$.project")]);
        }
    }

    private static RunTrigger ParseTrigger(string? text) => text?.ToLowerInvariant() switch
    {
        null or "" or "api" => RunTrigger.Api,
        "manual" => RunTrigger.Manual,
        "webhook" => RunTrigger.Webhook,
        "schedule" => RunTrigger.Schedule,
        _ => throw new ApiProblemException(StatusCodes.Status400BadRequest, Secrets.Runtime.Server.Problems.ApiErrors.RunTriggerInvalidCode, "trigger is manual, api, webhook or schedule", [new ApiError("unknown trigger", "$.trigger")]),
    };

    private static async Task<IResult> AnswerAsync(RunFeed feed, bool wait, CancellationToken cancellationToken)
    {
        if (wait)
        {
            return Record(await feed.Record.WaitAsync(cancellationToken).ConfigureAwait(false));
        }

        var location = "/api/v1/runs/" + feed.RunId;
        return TypedResults.Accepted(location, new RunAccepted(feed.RunId, "running", location, location + "/events"));
    }

    private static IResult Record(RunRecord record) => TypedResults.Text(RunRecordStore.ToJson(record), "application/json", System.Text.Encoding.UTF8, StatusCodes.Status200OK);

    private static async Task<IResult> GetAsync(HttpContext context, RunCoordinator runs, QueuedRuns queued, IRunRecordStore records, string id, CancellationToken cancellationToken)
    {
        var principal = Callers.PrincipalOf(context);
        if (runs.Find(id) is { } feed && !feed.Record.IsCompleted)
        {
            RequireVisible(principal, feed.StartedBy, feed.Principal, feed.Project);
            var location = "/api/v1/runs/" + id;
            return TypedResults.Accepted(location, new RunAccepted(id, "running", location, location + "/events"));
        }

        if (await FindQueuedAsync(queued, id, cancellationToken).ConfigureAwait(false) is { } run)
        {
            RequireVisible(principal, run.StartedBy, run.Principal, run.Project);
            return QueuedRunView.Answer(run);
        }

        var record = await LoadAsync(records, id, cancellationToken).ConfigureAwait(false);
        RequireVisible(principal, record.StartedBy, record.Principal, record.Project);
        return Record(record);
    }

    private static async Task<IResult> CancelAsync(HttpContext context, RunCoordinator runs, QueuedRuns queued, IRunRecordStore records, string id, CancellationToken cancellationToken)
    {
        var principal = Callers.PrincipalOf(context);
        if (await FindQueuedAsync(queued, id, cancellationToken).ConfigureAwait(false) is not { } run)
        {
            // A run of this process (or a finished one) is shown to exist only to those who may see it.
            if (runs.Find(id) is { } feed)
            {
                RequireVisible(principal, feed.StartedBy, feed.Principal, feed.Project);
            }
            else
            {
                var record = await LoadAsync(records, id, cancellationToken).ConfigureAwait(false);
                RequireVisible(principal, record.StartedBy, record.Principal, record.Project);
            }

            throw NotCancellable("only a queued run can be cancelled: this one runs in the server's process");
        }

        RequireVisible(principal, run.StartedBy, run.Principal, run.Project);
        if (run.Status is not (QueuedRunStatus.Queued or QueuedRunStatus.Running))
        {
            throw NotCancellable("the run has already ended");
        }

        var status = await queued.CancelAsync(id, cancellationToken).ConfigureAwait(false);

        // The worker holding a running run stops it within a second (woken by NOTIFY, else by its lease renewal).
        for (var i = 0; status == QueuedRunStatus.Running && i < 100; i++)
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            status = (await queued.FindAsync(id, cancellationToken).ConfigureAwait(false))?.Status ?? status;
        }

        var answer = new RunCancellation(id, QueuedRunView.StatusText(status));
        return status == QueuedRunStatus.Running
            ? TypedResults.Accepted("/api/v1/runs/" + id, answer)
            : TypedResults.Ok(answer);
    }

    private static ApiProblemException NotCancellable(string why) =>
        new(StatusCodes.Status409Conflict, Secrets.Runtime.Server.Problems.ApiErrors.RunNotCancellableCode, why);

    /// <summary>The queued run with that id, or null (a malformed id, no queue here, or a run of a server's own process).</summary>
    private static async Task<QueuedRun?> FindQueuedAsync(QueuedRuns queued, string id, CancellationToken cancellationToken) =>
        ValidId(id) ? await queued.FindAsync(id, cancellationToken).ConfigureAwait(false) : null;

    private static bool ValidId(string id) => id.Length is > 0 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private static async Task<Ok<RunPage>> ListAsync(HttpContext context, QueuedRuns queued, IRunRecordStore records, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var principal = Callers.PrincipalOf(context);
        var take = Cursor.Limit(limit, 50, 500);
        var after = Cursor.Decode(cursor, 2);
        var all = await records.ListAsync(cancellationToken).ConfigureAwait(false);
        var queuedRuns = await queued.ListAsync(cancellationToken).ConfigureAwait(false);
        var recorded = all.Select(r => r.RunId).ToHashSet(StringComparer.Ordinal);
        var statusOf = queuedRuns.ToDictionary(q => q.RunId, q => q.Status, StringComparer.Ordinal);

        // Finished runs from their records (a queued one keeps its queue status: cancelled stays cancelled); queued
        // runs without a record yet (queued, running, cancelled, out of attempts) from their rows.
        var summaries = all.Where(r => Visible(principal, r.StartedBy, r.Principal, r.Project))
            .Select(r => new RunSummary(r.RunId, r.Workflow, r.Trigger.ToString().ToLowerInvariant(), r.Principal,
                statusOf.TryGetValue(r.RunId, out var status) ? QueuedRunView.StatusText(status) : r.Status.ToString().ToLowerInvariant(), r.StartedAt, r.EndedAt, r.Nodes.Count))
            .Concat(queuedRuns.Where(q => !recorded.Contains(q.RunId) && Visible(principal, q.StartedBy, q.Principal, q.Project))
                .Select(q => new RunSummary(q.RunId, q.Workflow, q.Trigger.ToString().ToLowerInvariant(), q.Principal ?? string.Empty, QueuedRunView.StatusText(q.Status), q.CreatedAt, q.EndedAt, 0)));
        var matching = summaries
            .OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id, StringComparer.Ordinal)
            .Where(r => after is null || Before(r, after))
            .Take(take + 1)
            .ToList();
        var page = matching.Take(take).ToList();
        var next = matching.Count > take ? Cursor.Encode(page[^1].StartedAt.ToString("O", CultureInfo.InvariantCulture), page[^1].Id) : null;
        return TypedResults.Ok(new RunPage(page, next));
    }

    private static bool Before(RunSummary record, string[] key)
    {
        if (!DateTimeOffset.TryParse(key[0], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at))
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, Secrets.Runtime.Server.Problems.ApiErrors.RequestCursorInvalidCode, "cursor is not one this server returned", [new ApiError("pass nextCursor unchanged", "cursor")]);
        }

        return record.StartedAt < at || (record.StartedAt == at && string.CompareOrdinal(record.Id, key[1]) < 0);
    }

    private static async Task<IResult> EventsAsync(HttpContext context, RunCoordinator runs, QueuedRuns queued, IRunRecordStore records, string id, CancellationToken cancellationToken)
    {
        var principal = Callers.PrincipalOf(context);
        if (runs.Find(id) is { } feed)
        {
            RequireVisible(principal, feed.StartedBy, feed.Principal, feed.Project);
            return TypedResults.ServerSentEvents(Items(feed.ReadAllAsync(cancellationToken)));
        }

        if (await FindQueuedAsync(queued, id, cancellationToken).ConfigureAwait(false) is { } run)
        {
            // A queued run executes on a worker: its events are sent when it ends, from its record.
            RequireVisible(principal, run.StartedBy, run.Principal, run.Project);
            return TypedResults.ServerSentEvents(Items(ReplayQueuedAsync(queued, run, cancellationToken)));
        }

        var record = await LoadAsync(records, id, cancellationToken).ConfigureAwait(false);
        RequireVisible(principal, record.StartedBy, record.Principal, record.Project);
        return TypedResults.ServerSentEvents(Items(Replay(record)));
    }

    private static async IAsyncEnumerable<RunEvent> ReplayQueuedAsync(QueuedRuns queued, QueuedRun run, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (run.Status is QueuedRunStatus.Queued or QueuedRunStatus.Running)
        {
            run = await queued.WaitAsync(run.RunId, cancellationToken).ConfigureAwait(false);
        }

        var nodes = run.Record?.Nodes ?? [];
        await foreach (var item in Replay(run.Record ?? new RunRecord { RunId = run.RunId, Workflow = run.Workflow, Trigger = run.Trigger, Principal = run.Principal ?? string.Empty, StartedAt = run.CreatedAt, Status = RunStatus.Failed }).ConfigureAwait(false))
        {
            yield return item.Node is null ? item with { Status = QueuedRunView.StatusText(run.Status), Index = nodes.Count, Count = nodes.Count } : item;
        }
    }

    private static async IAsyncEnumerable<SseItem<RunEvent>> Items(IAsyncEnumerable<RunEvent> events)
    {
        await foreach (var item in events.ConfigureAwait(false))
        {
            yield return new SseItem<RunEvent>(item, item.Node is null ? "end" : "node");
        }
    }

#pragma warning disable CS1998 // A finished run's events are replayed from its record: nothing to await.
    private static async IAsyncEnumerable<RunEvent> Replay(RunRecord record)
#pragma warning restore CS1998
    {
        foreach (var (node, index) in record.Nodes.Select((n, i) => (n, i)))
        {
            var elapsed = node.StartedAt is { } s && node.EndedAt is { } e ? (e - s).TotalMilliseconds : 0;
            yield return new RunEvent(node.Id, index, record.Nodes.Count, node.Status.ToString().ToLowerInvariant(), elapsed, node.Error);
        }

        yield return new RunEvent(null, record.Nodes.Count, record.Nodes.Count, record.Status.ToString().ToLowerInvariant(), 0, null);
    }

    private static async Task<RunRecord> LoadAsync(IRunRecordStore records, string id, CancellationToken cancellationToken)
    {
        if (id.Length is 0 or > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            throw NotFound();
        }

        try
        {
            return await records.GetAsync(id, cancellationToken).ConfigureAwait(false);
        }
        catch (Redaction.SecretsRuntimeException ex) when (ex.Kind == Redaction.ErrorKind.NotFound)
        {
            throw NotFound();
        }
    }

    private static void RequireVisible(Principal principal, string? startedBy, string? runPrincipal, string? project)
    {
        if (!Visible(principal, startedBy, runPrincipal, project))
        {
            // Someone else's run is not shown to exist.
            throw NotFound();
        }
    }

    /// <summary>
    /// Who may see a run: an admin of every project or organization, the user who started it, the user whose values
    /// it read (a stored workflow's owner), and the admins of its project. Each comes from the run itself (its feed
    /// while it runs here, its row while queued, its record after), so the server keeps no map of runs.
    /// </summary>
    private static bool Visible(Principal principal, string? startedBy, string? runPrincipal, string? project) =>
        principal.Grants.Any(g => g.Owner == "*" && g.Role == SecretRole.Admin)
        || string.Equals(startedBy, principal.UserId, StringComparison.Ordinal)
        || string.Equals(runPrincipal, principal.UserId, StringComparison.Ordinal)
        || (project is not null && principal.Has(SecretScope.Project, project, SecretRole.Admin));

    private static ApiProblemException NotFound() => new(StatusCodes.Status404NotFound, Secrets.Runtime.Workflows.WorkflowErrors.RunNotFoundCode, "no run with that id is visible to you");
}
