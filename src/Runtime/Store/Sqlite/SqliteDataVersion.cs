using Microsoft.Data.Sqlite;

namespace Secrets.Runtime.Store.Sqlite;

/// <summary>
/// <c>PRAGMA data_version</c> on a connection of its own that never writes: the number changes whenever any other
/// connection, in this process or another, commits to the file (the CLI revoking a token while the server runs, a
/// row changed by hand). Reading it costs no table read, only the WAL index's header.
/// </summary>
internal sealed class SqliteDataVersion : IDisposable
{
    private readonly Func<SqliteConnection> _open;
    private readonly Lock _lock = new();
    private SqliteConnection? _connection;
    private SqliteCommand? _command;
    private bool _disposed;

    public SqliteDataVersion(Func<SqliteConnection> open) => _open = open;

    /// <summary>The current data version, or null when it cannot be read (the caller then reads the rows themselves).</summary>
    public long? Read()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return null;
            }

            try
            {
                if (_command is null)
                {
                    _connection = _open();
                    _command = _connection.CreateCommand();
                    _command.CommandText = "PRAGMA data_version";
                    _command.Prepare();
                }

                return (long)_command.ExecuteScalar()!;
            }
            catch (SqliteException)
            {
                // Start again with a new connection next time; until then nothing remembered is used.
                Close();
                return null;
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            Close();
        }
    }

    private void Close()
    {
        _command?.Dispose();
        _connection?.Dispose();
        _command = null;
        _connection = null;
    }
}
