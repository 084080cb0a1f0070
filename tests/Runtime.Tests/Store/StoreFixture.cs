using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Tests.Store;

/// <summary>
/// A fresh store for one test: a home folder with a master key in the environment and, for PostgreSQL, a schema of
/// its own in the test server's database. Raw SQL against the backend goes through <see cref="ExecuteAsync"/> and
/// <see cref="ScalarAsync"/>, with <c>@name</c> parameters, which both backends accept. Cleaned up on dispose.
/// </summary>
internal sealed class StoreFixture : IDisposable
{
    private readonly string? _schema;
    private readonly string? _server;

    /// <param name="backend">The backend.</param>
    /// <param name="server">For PostgreSQL: the server's connection string (default: the shared test server).</param>
    public StoreFixture(StoreBackend backend = StoreBackend.Sqlite, string? server = null)
    {
        Backend = backend;
        Home = Directory.CreateTempSubdirectory("store-").FullName;
        Environment = new Dictionary<string, string?> { ["SECRETS_RUNTIME_MASTER_KEY"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) };
        if (backend == StoreBackend.Postgres)
        {
            _schema = "t_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
            _server = server ?? PostgresTestServer.ConnectionString;
            using var connection = new NpgsqlConnection(_server);
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE SCHEMA {_schema}", connection);
            command.ExecuteNonQuery();
            Database = new NpgsqlConnectionStringBuilder(_server) { SearchPath = _schema }.ToString();
        }
    }

    public StoreBackend Backend { get; }

    public string Home { get; }

    public Dictionary<string, string?> Environment { get; }

    /// <summary>The PostgreSQL connection string of this fixture's schema, or null for SQLite.</summary>
    public string? Database { get; }

    public TimeSpan MaxStaleness { get; set; } = StoreOptions.DefaultMaxStaleness;

    public StoreOptions Options => new() { Home = Home, Environment = Environment, Database = Database, MaxStaleness = MaxStaleness };

    public static Principal Admin { get; } = Principal.LocalAdmin("alice");

    public Task<SecretStore> OpenAsync() => SecretStore.OpenAsync(Options);

    public static SecretWrite Write(string name, string value, SecretScope scope = SecretScope.Organization, string owner = "default", int? expected = null) =>
        new() { Scope = scope, Owner = owner, Name = SecretName.Parse(name), Value = value, ExpectedVersion = expected };

    public static async Task<string?> ReadAsync(SecretStore store, string name, SecretScope scope = SecretScope.Organization, string owner = "default") =>
        (await ((ISecretValueReader)store).TryReadAsync(Admin, scope, owner, SecretName.Parse(name), CancellationToken.None))?.Value;

    /// <summary>Runs SQL against the backend directly, as an attacker with database access would.</summary>
    public async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await ConnectAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The first column of the first row, as text (blobs in base64).</summary>
    public async Task<string> ScalarAsync(string sql)
    {
        await using var connection = await ConnectAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var result = await command.ExecuteScalarAsync();
        return result is byte[] bytes ? Convert.ToBase64String(bytes) : Convert.ToString(result, CultureInfo.InvariantCulture)!;
    }

    private async Task<System.Data.Common.DbConnection> ConnectAsync()
    {
        System.Data.Common.DbConnection connection = Database is null ? new SqliteConnection($"Data Source={Options.DatabasePath}") : new NpgsqlConnection(Database);
        await connection.OpenAsync();
        return connection;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (_schema is not null)
        {
            NpgsqlConnection.ClearAllPools();
            using var connection = new NpgsqlConnection(_server);
            connection.Open();
            using var command = new NpgsqlCommand($"DROP SCHEMA {_schema} CASCADE", connection);
            command.ExecuteNonQuery();
        }

        Directory.Delete(Home, recursive: true);
    }
}
