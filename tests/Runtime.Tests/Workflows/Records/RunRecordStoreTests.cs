using Secrets.Runtime.Redaction;
using Secrets.Runtime.Workflows;
using Secrets.Runtime.Workflows.Records;

namespace Secrets.Runtime.Tests.Workflows.Records;

/// <summary>Run ids name files in the home: only letters, digits and dashes, 1 to 64 of them, reach the file system.</summary>
public sealed class RunRecordStoreTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("run-records-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    [Theory]
    [InlineData("../secrets")]
    [InlineData("a/b")]
    [InlineData("run.json")]
    public async Task An_id_that_is_not_a_run_id_is_refused_before_any_file_is_read(string runId)
    {
        var store = new RunRecordStore(_home);

        var error = await Assert.ThrowsAsync<SecretsRuntimeException>(() => store.GetAsync(runId));

        Assert.Equal(WorkflowErrors.RunIdInvalidCode, error.Code);
    }

    [Fact]
    public void An_empty_id_given_to_a_run_is_refused()
    {
        // RunRequest.RunId goes through the same check; an empty id would name the file ".json".
        var error = Assert.Throws<SecretsRuntimeException>(() => RunRecordStore.CheckId(string.Empty));

        Assert.Equal(WorkflowErrors.RunIdInvalidCode, error.Code);
    }

    [Fact]
    public async Task An_id_of_65_characters_is_refused()
    {
        var error = await Assert.ThrowsAsync<SecretsRuntimeException>(() => new RunRecordStore(_home).GetAsync(new string('a', 65)));

        Assert.Equal(WorkflowErrors.RunIdInvalidCode, error.Code);
    }
}
