using System.Text.Json.Serialization;

namespace Secrets.Runtime.Sandbox.Workers.Protocol;

/// <summary>
/// One line of the worker pipe, either way: a JSON document whose <c>type</c> names the record. Every message is
/// checked by <see cref="IsWellFormed"/> after it is read; a line that is not one of these records, or breaks its
/// rules, ends the exchange (see <see cref="WorkerProtocol.Read"/>).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(ReadyMessage), "ready")]
[JsonDerivedType(typeof(RunRequest), "run")]
[JsonDerivedType(typeof(LogLine), "log")]
[JsonDerivedType(typeof(HttpCall), "http")]
[JsonDerivedType(typeof(HttpAnswer), "httpAnswer")]
[JsonDerivedType(typeof(RunAnswer), "result")]
[JsonDerivedType(typeof(CompileRequest), "compile")]
[JsonDerivedType(typeof(CompileAnswer), "compiled")]
[JsonDerivedType(typeof(ProbeRequest), "probe")]
[JsonDerivedType(typeof(ProbeAnswer), "probeAnswer")]
internal abstract record WorkerMessage
{
    /// <summary>True when the message keeps the rules its type cannot express (which fields go together, defined enum values).</summary>
    public virtual bool IsWellFormed => true;
}
