using System.Globalization;
using SQLitePCL;

namespace Secrets.Runtime.Store.Sqlite;

/// <summary>
/// A connection on SQLitePCLRaw's <c>raw</c> API, the layer Microsoft.Data.Sqlite itself sits on, for the reads every
/// command makes: the schema version at open, the master key's id and the full listing. A short-lived process (the CLI's
/// <c>secret list</c>) then never builds Microsoft.Data.Sqlite's connection-string parser (System.Data.Common,
/// TypeConverter, Regex), nor finds its provider by reflection: about 20 ms of a 100 ms command.
/// </summary>
/// <remarks>
/// Reads only, with constant SQL and no parameters: every write, migration and filtered read stays on
/// Microsoft.Data.Sqlite. The file is opened as Microsoft.Data.Sqlite opens it (read-write, created when missing, the
/// same 30 s busy timeout), and the connection is <c>query_only</c>, so nothing sent through it can change the file.
/// Not thread-safe: one caller at a time.
/// </remarks>
internal sealed class SqliteRawConnection : IDisposable
{
    private readonly sqlite3 _db;

    // The provider is set directly, once per process (the bundle's Init is what Microsoft.Data.Sqlite finds by
    // reflection and calls; calling it again there only sets the same provider).
    static SqliteRawConnection() => Batteries_V2.Init();

    private SqliteRawConnection(sqlite3 db) => _db = db;

    /// <summary>
    /// Opens <paramref name="path"/> (created when missing, as <see cref="SqliteSecretRows"/> creates a store) and makes
    /// the connection refuse every write (<c>PRAGMA query_only</c>).
    /// </summary>
    /// <exception cref="Microsoft.Data.Sqlite.SqliteException">The file cannot be opened, as Microsoft.Data.Sqlite reports it.</exception>
    public static SqliteRawConnection OpenReadOnly(string path)
    {
        // A full path is never read as a URI ("file:..."), whatever the library's URI setting.
        var rc = raw.sqlite3_open_v2(Path.GetFullPath(path), out var db, raw.SQLITE_OPEN_READWRITE | raw.SQLITE_OPEN_CREATE, null);
        var connection = new SqliteRawConnection(db);
        try
        {
            connection.Check(rc);
            connection.Check(raw.sqlite3_busy_timeout(db, 30_000));
            connection.Execute("PRAGMA query_only = 1");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    // The scalars are read without a generic list: a list over a value type is one more method set the JIT compiles in
    // a process that reads it once.

    /// <summary>The first column of the first row as an integer, or null when there is no row or it is NULL.</summary>
    public long? Int64(string sql)
    {
        using var statement = Prepare(sql);
        return Step(statement) && !new Row(statement).IsNull(0) ? new Row(statement).Int64(0) : null;
    }

    /// <summary>The first column of the first row as text, or null when there is no row or it is NULL.</summary>
    public string? Text(string sql)
    {
        using var statement = Prepare(sql);
        return Step(statement) && !new Row(statement).IsNull(0) ? new Row(statement).Text(0) : null;
    }

    /// <summary>Runs <paramref name="sql"/> to its end, ignoring its rows.</summary>
    public void Execute(string sql)
    {
        using var statement = Prepare(sql);
        while (Step(statement))
        {
        }
    }

    /// <summary>Every row of <paramref name="sql"/> (constant text, no parameters), mapped by <paramref name="map"/>.</summary>
    public List<T> Rows<T>(string sql, Func<Row, T> map)
    {
        using var statement = Prepare(sql);
        var rows = new List<T>();
        while (Step(statement))
        {
            rows.Add(map(new Row(statement)));
        }

        return rows;
    }

    /// <inheritdoc />
    public void Dispose() => _db.Dispose();

    private sqlite3_stmt Prepare(string sql)
    {
        Check(raw.sqlite3_prepare_v2(_db, sql, out var statement));
        return statement;
    }

    /// <summary>True on a row, false at the end; an error throws.</summary>
    private bool Step(sqlite3_stmt statement)
    {
        var rc = raw.sqlite3_step(statement);
        if (rc is raw.SQLITE_ROW or raw.SQLITE_DONE)
        {
            return rc == raw.SQLITE_ROW;
        }

        Check(rc);
        return false;
    }

    private void Check(int rc)
    {
        if (rc is not (raw.SQLITE_OK or raw.SQLITE_ROW or raw.SQLITE_DONE))
        {
            throw Failure(rc, _db is null || _db.IsInvalid ? raw.sqlite3_errstr(rc).utf8_to_string() : raw.sqlite3_errmsg(_db).utf8_to_string());
        }
    }

    // The exception and message Microsoft.Data.Sqlite gives for the same failure (locked, not a database, no
    // permission): callers and the CLI see the same error whichever layer read the file. A method of its own, so
    // that Microsoft.Data.Sqlite and System.Data.Common load only when a read fails, not when Check is first run.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static Microsoft.Data.Sqlite.SqliteException Failure(int rc, string message) =>
        new(string.Create(CultureInfo.InvariantCulture, $"SQLite Error {rc}: '{message}'."), rc);

    /// <summary>A current row read by column ordinal, whichever layer read it.</summary>
    internal interface IRow
    {
        bool IsNull(int column);

        long Int64(int column);

        int Int32(int column);

        string Text(int column);
    }

    /// <summary>The current row of a statement, read by column ordinal.</summary>
    internal readonly struct Row(sqlite3_stmt statement) : IRow
    {
        public bool IsNull(int column) => raw.sqlite3_column_type(statement, column) == raw.SQLITE_NULL;

        public long Int64(int column) => raw.sqlite3_column_int64(statement, column);

        public int Int32(int column) => raw.sqlite3_column_int(statement, column);

        public string Text(int column) => raw.sqlite3_column_text(statement, column).utf8_to_string();
    }
}
