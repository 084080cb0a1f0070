using Secrets.Runtime.Sandbox.CSharp;
using Secrets.Runtime.Sandbox.Workers.Protocol;

namespace Secrets.Runtime.Sandbox.Tests.Workers.Protocol;

/// <summary>The pipe's lines: every message round-trips as its own type, and nothing else parses.</summary>
public sealed class WorkerProtocolTests
{
    private static readonly Dictionary<string, WorkerMessage> Samples = new(StringComparer.Ordinal)
    {
        ["ready"] = new ReadyMessage(),
        ["run"] = new RunRequest("k", [1, 2, 3], new RunContext(new Dictionary<string, string> { ["Key"] = "v" }, "{}", new ScriptRunInfo("r", "w", "n", "manual")), new RunLimits(TimeSpan.FromSeconds(2), 10, 20)),
        ["log"] = new LogLine("a line"),
        ["http"] = new HttpCall("GET", "https://example.com/", new Dictionary<string, string> { ["Accept"] = "x" }, null),
        ["httpAnswer"] = new HttpAnswer(200, new Dictionary<string, string> { ["Content-Type"] = "text/plain" }, "body", null),
        ["httpRefused"] = HttpAnswer.Refused("no"),
        ["ok"] = RunAnswer.Ok("{\"a\":1}"),
        ["limited"] = RunAnswer.Limited(LimitKind.BackgroundWork),
        ["failed"] = RunAnswer.Failed("InvalidOperationException: no", 3),
        ["compile"] = new CompileRequest("return 1;"),
        ["compiled"] = new CompileAnswer([4, 5], null),
        ["diagnostics"] = new CompileAnswer(null, [new ScriptDiagnostic(1, 2, "CS0103", "no")]),
        ["probe"] = new ProbeRequest(["/etc"], 80),
    };

    public static TheoryData<string> Messages => new(Samples.Keys);

    [Theory]
    [MemberData(nameof(Messages))]
    public void A_message_reads_back_as_the_same_message(string name)
    {
        var message = Samples[name];
        var read = WorkerProtocol.Read(WorkerProtocol.Write(message));

        Assert.NotNull(read);
        Assert.Equal(message.GetType(), read.GetType());
        Assert.Equal(WorkerProtocol.Write(message), WorkerProtocol.Write(read));
    }

    [Theory]
    [InlineData("")]
    [InlineData("ok")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("{\"outcome\":\"Ok\",\"value\":\"1\"}")]
    [InlineData("{\"type\":\"verdict\"}")]
    [InlineData("{\"status\":\"ok\",\"value\":\"1\",\"logs\":[]}")]
    [InlineData("{\"type\":\"result\",\"outcome\":\"Ok\"}")]
    [InlineData("{\"type\":\"result\",\"outcome\":\"Limited\"}")]
    [InlineData("{\"type\":\"result\",\"outcome\":\"Limited\",\"limit\":99}")]
    [InlineData("{\"type\":\"result\",\"outcome\":\"Limited\",\"limit\":\"99\"}")]
    [InlineData("{\"type\":\"result\",\"outcome\":\"Limited\",\"limit\":\"limit exceeded: time\"}")]
    [InlineData("{\"type\":\"result\",\"outcome\":7,\"value\":\"1\"}")]
    [InlineData("{\"type\":\"result\",\"outcome\":\"Ok\",\"value\":\"1\",\"limit\":\"Time\"}")]
    [InlineData("{\"type\":\"result\",\"outcome\":\"Error\",\"error\":\"x\",\"outcome\":\"Ok\",\"value\":\"1\"}")]
    [InlineData("{\"type\":\"result\",\"outcome\":\"Ok\",\"value\":\"1\",\"sensitive\":false}")]
    [InlineData("{\"type\":\"result\",\"outcome\":\"Error\",\"error\":\"x\",\"line\":0}")]
    [InlineData("{\"type\":\"result\",\"type\":\"log\",\"text\":\"x\"}")]
    [InlineData("{\"type\":\"log\"}")]
    [InlineData("{\"type\":\"log\",\"text\":null}")]
    [InlineData("{\"type\":\"httpAnswer\",\"status\":200,\"error\":\"both\"}")]
    [InlineData("{\"type\":\"httpAnswer\"}")]
    [InlineData("{\"type\":\"compiled\"}")]
    [InlineData("{\"type\":\"compiled\",\"image\":\"AA==\",\"diagnostics\":[{\"line\":1,\"column\":1,\"code\":\"CS1\",\"message\":\"m\"}]}")]
    [InlineData("{\"type\":\"log\",\"text\":\"x\"} {\"type\":\"log\",\"text\":\"y\"}")]
    public void A_line_that_is_not_exactly_one_well_formed_message_reads_as_nothing(string line)
    {
        Assert.Null(WorkerProtocol.Read(line));
    }

    [Fact]
    public void A_deeply_nested_line_reads_as_nothing()
    {
        var line = "{\"type\":\"log\",\"text\":\"x\",\"n\":" + new string('[', 1000) + new string(']', 1000) + "}";

        Assert.Null(WorkerProtocol.Read(line));
    }

    [Fact]
    public void Limits_travel_as_enum_names_not_as_message_text()
    {
        var line = WorkerProtocol.Write(RunAnswer.Limited(LimitKind.HttpCalls));

        Assert.Contains("\"limit\":\"HttpCalls\"", line, StringComparison.Ordinal);
        Assert.DoesNotContain("exceeded", line, StringComparison.Ordinal);
    }
}
