using System.Text;
using System.Text.Json;

namespace Secrets.Runtime.Sandbox.Workers.Protocol;

/// <summary>Reads and writes the lines of the worker pipe: one <see cref="WorkerMessage"/> per line of UTF-8 JSON.</summary>
internal static class WorkerProtocol
{
    /// <summary>The argument that makes a worker a compile worker.</summary>
    public const string CompileMode = "--compile";

    /// <summary>One message as text, without the line end.</summary>
    public static string Write(WorkerMessage message) => JsonSerializer.Serialize(message, WorkerJsonContext.Default.WorkerMessage);

    /// <summary>One message as it goes on the wire: its JSON and a line end.</summary>
    public static byte[] Frame(WorkerMessage message) => Encoding.UTF8.GetBytes(Write(message) + "\n");

    /// <summary>
    /// The message on <paramref name="line"/>, or null when the line is not exactly one well-formed message: bad JSON,
    /// an unknown type or member, a duplicate or missing member, an undefined enum value, or fields that do not go
    /// together. Whoever reads null ends the exchange; nothing of such a line is used.
    /// </summary>
    public static WorkerMessage? Read(string line)
    {
        try
        {
            return JsonSerializer.Deserialize(line, WorkerJsonContext.Default.WorkerMessage) is { IsWellFormed: true } message ? message : null;
        }
        catch (JsonException)
        {
            return null;
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }
}
