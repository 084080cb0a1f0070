using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Secrets.Runtime.Store.Sqlite;

/// <summary>
/// A few held connections for the hot reads (a page of secrets, a user's memberships), each keeping its prepared
/// statements, so a read costs a bind and steps instead of a pool checkout, a <c>busy_timeout</c> pragma and a prepare.
/// The connections are <c>query_only</c>: a write through them fails instead of committing.
/// </summary>
/// <remarks>
/// A statement holds a read snapshot only while its reader is open; every read disposes its reader before the
/// connection goes back, so a held connection never reads an old snapshot later.
/// </remarks>
internal sealed class SqliteReadConnections : IDisposable
{
    /// <summary>How many idle connections are kept; a burst beyond it opens more, closed when given back.</summary>
    public const int MaxIdle = 4;

    /// <summary>How many statements one connection keeps prepared; past it the connection starts again empty.</summary>
    public const int MaxStatements = 64;

    private readonly Func<SqliteConnection> _open;
    private readonly ConcurrentBag<Held> _idle = [];
    private int _idleCount;
    private volatile bool _disposed;

    public SqliteReadConnections(Func<SqliteConnection> open) => _open = open;

    /// <summary>A held connection for one read; dispose the lease to give it back.</summary>
    public Lease Rent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_idle.TryTake(out var held))
        {
            Interlocked.Decrement(ref _idleCount);
            return new Lease(this, held);
        }

        var connection = _open();
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA query_only=1;";
            command.ExecuteNonQuery();
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        return new Lease(this, new Held(connection));
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var held))
        {
            held.Dispose();
        }
    }

    private void Return(Held held, bool broken)
    {
        if (broken || _disposed)
        {
            held.Dispose();
            return;
        }

        if (Interlocked.Increment(ref _idleCount) > MaxIdle)
        {
            Interlocked.Decrement(ref _idleCount);
            held.Dispose();
            return;
        }

        _idle.Add(held);

        // Dispose may have emptied the bag just before this connection went in.
        if (_disposed && _idle.TryTake(out var late))
        {
            late.Dispose();
        }
    }

    /// <summary>One rented connection and its prepared statements.</summary>
    internal struct Lease : IDisposable
    {
        private readonly SqliteReadConnections _owner;
        private Held? _held;
        private bool _broken;

        internal Lease(SqliteReadConnections owner, Held held)
        {
            _owner = owner;
            _held = held;
        }

        /// <summary>
        /// The statement for <paramref name="sql"/>, prepared once per connection, with <paramref name="parameters"/>
        /// bound by name; the caller disposes its reader before the lease.
        /// </summary>
        public readonly SqliteCommand Command(string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
        {
            var held = _held ?? throw new ObjectDisposedException(nameof(Lease));
            var command = held.Command(sql);
            foreach (var (name, value) in parameters)
            {
                var bound = value ?? DBNull.Value;
                if (command.Parameters.Contains(name))
                {
                    command.Parameters[name].Value = bound;
                }
                else
                {
                    command.Parameters.AddWithValue(name, bound);
                }
            }

            return command;
        }

        /// <summary>Marks the connection as not reusable (a read failed part-way): it is closed instead of kept.</summary>
        public void Break() => _broken = true;

        public void Dispose()
        {
            if (_held is { } held)
            {
                _held = null;
                _owner.Return(held, _broken);
            }
        }
    }

    /// <summary>A connection and the statements prepared on it, by SQL text.</summary>
    internal sealed class Held(SqliteConnection connection) : IDisposable
    {
        private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

        public SqliteCommand Command(string sql)
        {
            if (_commands.TryGetValue(sql, out var command))
            {
                return command;
            }

            if (_commands.Count >= MaxStatements)
            {
                DisposeCommands();
            }

            command = connection.CreateCommand();
#pragma warning disable CA2100 // Every caller passes SQL built from constants; values go through parameters.
            command.CommandText = sql;
#pragma warning restore CA2100
            try
            {
                command.Prepare();
            }
            catch
            {
                command.Dispose();
                throw;
            }

            _commands[sql] = command;
            return command;
        }

        public void Dispose()
        {
            DisposeCommands();
            connection.Dispose();
        }

        private void DisposeCommands()
        {
            foreach (var command in _commands.Values)
            {
                command.Dispose();
            }

            _commands.Clear();
        }
    }
}
