using System.Text.Encodings.Web;
using System.Text.Json;

namespace Secrets.Runtime.Cli;

/// <summary>JSON as the CLI prints it: for people and pipes, so no needless <c>\u0022</c>, <c>\u0027</c> or <c>\u0060</c> escapes.</summary>
internal static class CliJson
{
    /// <summary>
    /// Relaxed escaping, for console output only: the text goes to a terminal or a pipe, never into HTML. The
    /// redactor masks the relaxed form of every value as well as the default one.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The same, indented.</summary>
    public static JsonSerializerOptions Indented { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = true };
}
