using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Workflows.Definition;

/// <summary>A workflow file failed validation; nothing ran. <see cref="Problems"/> lists every problem with its JSON path.</summary>
public sealed class InvalidWorkflowException : SecretsRuntimeException
{
    /// <summary>Creates the exception from the problems found.</summary>
    public InvalidWorkflowException(string file, IReadOnlyList<WorkflowProblem> problems)
        : base(WorkflowErrors.InvalidCode, ErrorKind.InvalidInput, Describe(file, problems)) => Problems = problems;

    /// <summary>Every problem found, in file order.</summary>
    public IReadOnlyList<WorkflowProblem> Problems { get; }

    private static string Describe(string file, IReadOnlyList<WorkflowProblem> problems) =>
        $"workflow {file} is invalid ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}): " + string.Join("; ", problems);
}
