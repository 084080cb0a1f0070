using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Cli;

/// <summary>The error codes of the command line (arguments, files, prompts, the demo), and the factories of the exceptions that carry them (code and kind paired once, here).</summary>
public static class CliErrors
{
    /// <summary><c>cli.queue_needs_database</c>.</summary>
    public const string QueueNeedsDatabaseCode = "cli.queue_needs_database";

    /// <summary><c>cli.credential_invalid</c> (InvalidInput).</summary>
    public const string CredentialInvalidCode = "cli.credential_invalid";

    /// <summary><c>cli.file_not_found</c> (InvalidInput).</summary>
    public const string FileNotFoundCode = "cli.file_not_found";

    /// <summary><c>cli.folder_not_found</c> (InvalidInput).</summary>
    public const string FolderNotFoundCode = "cli.folder_not_found";

    /// <summary><c>cli.import_invalid</c> (InvalidInput).</summary>
    public const string ImportInvalidCode = "cli.import_invalid";

    /// <summary><c>cli.input_invalid</c> (InvalidInput).</summary>
    public const string InputInvalidCode = "cli.input_invalid";

    /// <summary><c>cli.name_invalid</c> (InvalidInput).</summary>
    public const string NameInvalidCode = "cli.name_invalid";

    /// <summary><c>cli.no_home</c> (NotFound).</summary>
    public const string NoHomeCode = "cli.no_home";

    /// <summary><c>cli.no_store</c> (NotFound).</summary>
    public const string NoStoreCode = "cli.no_store";

    /// <summary><c>cli.no_value</c> (InvalidInput).</summary>
    public const string NoValueCode = "cli.no_value";

    /// <summary><c>cli.not_confirmed</c> (Refused).</summary>
    public const string NotConfirmedCode = "cli.not_confirmed";

    /// <summary><c>cli.not_utf8</c> (InvalidInput).</summary>
    public const string NotUtf8Code = "cli.not_utf8";

    /// <summary><c>cli.option_invalid</c> (InvalidInput).</summary>
    public const string OptionInvalidCode = "cli.option_invalid";

    /// <summary><c>cli.port_taken</c> (Refused).</summary>
    public const string PortTakenCode = "cli.port_taken";

    /// <summary><c>cli.project_required</c> (InvalidInput).</summary>
    public const string ProjectRequiredCode = "cli.project_required";

    /// <summary><c>cli.secrets_file_invalid</c> (InvalidInput).</summary>
    public const string SecretsFileInvalidCode = "cli.secrets_file_invalid";

    /// <summary><c>cli.since_invalid</c> (InvalidInput).</summary>
    public const string SinceInvalidCode = "cli.since_invalid";

    /// <summary><c>cli.values_invalid</c> (InvalidInput).</summary>
    public const string ValuesInvalidCode = "cli.values_invalid";

    /// <summary><c>cli.worker_missing</c> (Internal).</summary>
    public const string WorkerMissingCode = "cli.worker_missing";

    /// <summary><c>demo.step_failed</c> (Internal).</summary>
    public const string DemoStepFailedCode = "demo.step_failed";

    /// <summary>An exception with code <c>cli.credential_invalid</c>.</summary>
    internal static SecretsRuntimeException CredentialInvalid(string message) => new(CredentialInvalidCode, ErrorKind.InvalidInput, message);

    /// <summary>An exception with code <c>cli.file_not_found</c>.</summary>
    internal static SecretsRuntimeException FileNotFound(string message) => new(FileNotFoundCode, ErrorKind.InvalidInput, message);

    /// <summary>An exception with code <c>cli.folder_not_found</c>.</summary>
    internal static SecretsRuntimeException FolderNotFound(string message) => new(FolderNotFoundCode, ErrorKind.InvalidInput, message);

    /// <summary>An exception with code <c>cli.import_invalid</c>.</summary>
    internal static SecretsRuntimeException ImportInvalid(string message) => new(ImportInvalidCode, ErrorKind.InvalidInput, message);

    /// <summary>An exception with code <c>cli.input_invalid</c>.</summary>
    internal static SecretsRuntimeException InputInvalid(string message) => new(InputInvalidCode, ErrorKind.InvalidInput, message);

    /// <summary>An exception with code <c>cli.name_invalid</c>.</summary>
    internal static SecretsRuntimeException NameInvalid(string message) => new(NameInvalidCode, ErrorKind.InvalidInput, message);

    /// <summary>An exception with code <c>cli.no_home</c>.</summary>
    internal static SecretsRuntimeException NoHome(string message) => new(NoHomeCode, ErrorKind.NotFound, message);

    /// <summary>An exception with code <c>cli.no_store</c>.</summary>
    internal static SecretsRuntimeException NoStore(string message) => new(NoStoreCode, ErrorKind.NotFound, message);

    /// <summary>An exception with code <c>cli.no_value</c>.</summary>
    internal static SecretsRuntimeException NoValue(string message) => new(NoValueCode, ErrorKind.InvalidInput, message);

    /// <summary>An exception with code <c>cli.not_confirmed</c>.</summary>
    internal static SecretsRuntimeException NotConfirmed(string message) => new(NotConfirmedCode, ErrorKind.Refused, message);

    /// <summary>An exception with code <c>cli.not_utf8</c>.</summary>
    internal static SecretsRuntimeException NotUtf8(string message) => new(NotUtf8Code, ErrorKind.InvalidInput, message);

    /// <summary>An exception with code <c>cli.option_invalid</c>.</summary>
    internal static SecretsRuntimeException OptionInvalid(string message) => new(OptionInvalidCode, ErrorKind.InvalidInput, message);

    /// <summary>An exception with code <c>cli.port_taken</c>.</summary>
    internal static SecretsRuntimeException PortTaken(string message) => new(PortTakenCode, ErrorKind.Refused, message);

    /// <summary>An exception with code <c>cli.project_required</c>.</summary>
    internal static SecretsRuntimeException ProjectRequired(string message) => new(ProjectRequiredCode, ErrorKind.InvalidInput, message);

    /// <summary>An exception with code <c>cli.secrets_file_invalid</c>.</summary>
    internal static SecretsRuntimeException SecretsFileInvalid(string message) => new(SecretsFileInvalidCode, ErrorKind.InvalidInput, message);

    /// <summary>An exception with code <c>cli.since_invalid</c>.</summary>
    internal static SecretsRuntimeException SinceInvalid(string message) => new(SinceInvalidCode, ErrorKind.InvalidInput, message);

    /// <summary>An exception with code <c>cli.values_invalid</c>.</summary>
    internal static SecretsRuntimeException ValuesInvalid(string message) => new(ValuesInvalidCode, ErrorKind.InvalidInput, message);

    /// <summary>An exception with code <c>cli.worker_missing</c>.</summary>
    internal static SecretsRuntimeException WorkerMissing(string message) => new(WorkerMissingCode, ErrorKind.Internal, message);

    /// <summary>An exception with code <c>demo.step_failed</c>.</summary>
    internal static SecretsRuntimeException DemoStepFailed(string message) => new(DemoStepFailedCode, ErrorKind.Internal, message);

    /// <summary>An <c>--expires</c> value is not an age or a future time.</summary>
    public const string ExpiresInvalidCode = "cli.expires_invalid";

    /// <summary>A grant names neither or both of <c>--organization</c> and <c>--project</c>.</summary>
    public const string GrantTargetInvalidCode = "cli.grant_target_invalid";
}
