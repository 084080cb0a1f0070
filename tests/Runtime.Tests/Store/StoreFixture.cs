using Secrets.Runtime.Store;

namespace Secrets.Runtime.Tests.Store;

/// <summary>A fresh home folder with a master key in the environment; cleaned up on dispose.</summary>
internal sealed class StoreFixture : IDisposable
{
    public StoreFixture()
    {
        Home = Directory.CreateTempSubdirectory("store-").FullName;
        Environment = new Dictionary<string, string?> { ["SECRETS_RUNTIME_MASTER_KEY"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) };
    }

    public string Home { get; }

    public Dictionary<string, string?> Environment { get; }

    public StoreOptions Options => new() { Home = Home, Environment = Environment };

    public static Principal Admin { get; } = Principal.LocalAdmin("alice");

    public Task<SqliteSecretStore> OpenAsync() => SqliteSecretStore.OpenAsync(Options);

    public static SecretWrite Write(string name, string value, SecretScope scope = SecretScope.Organization, string owner = "default", int? expected = null) =>
        new() { Scope = scope, Owner = owner, Name = SecretName.Parse(name), Value = value, ExpectedVersion = expected };

    public static async Task<string?> ReadAsync(SqliteSecretStore store, string name, SecretScope scope = SecretScope.Organization, string owner = "default") =>
        (await ((ISecretValueReader)store).TryReadAsync(scope, owner, SecretName.Parse(name), CancellationToken.None))?.Value;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(Home, recursive: true);
    }
}
