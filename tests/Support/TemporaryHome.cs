namespace Secrets.Runtime.Tests.Support;

/// <summary>A private temporary folder for one test or fixture, deleted with everything in it on dispose.</summary>
public sealed class TemporaryHome : IDisposable
{
    /// <summary>Creates the folder; <paramref name="prefix"/> names it in the system's temporary folder.</summary>
    public TemporaryHome(string prefix = "secrets-test-") => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>A path inside the folder.</summary>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <inheritdoc />
    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
