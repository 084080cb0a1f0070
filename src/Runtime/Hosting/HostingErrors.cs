using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Hosting;

/// <summary>The error codes of opening a <see cref="SecretsRuntime"/>, and the exceptions that carry them.</summary>
public static class HostingErrors
{
    /// <summary>A setting of <see cref="SecretsRuntimeOptions"/> is invalid.</summary>
    public const string OptionsInvalidCode = "hosting.options_invalid";

    /// <summary>The settings' problems, every one, in one message.</summary>
    internal static SecretsRuntimeException OptionsInvalid(IReadOnlyList<string> problems) =>
        new(OptionsInvalidCode, ErrorKind.InvalidInput, string.Join("; ", problems));
}
