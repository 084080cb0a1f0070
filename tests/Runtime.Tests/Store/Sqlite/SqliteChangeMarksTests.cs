using Microsoft.Data.Sqlite;
using Secrets.Runtime.Store.Sqlite;

namespace Secrets.Runtime.Tests.Store.Sqlite;

/// <summary>
/// The marks remembered reads are checked against: a write by another connection (raw SQL, as the CLI in another
/// process or a hand edit makes) to a table changes the mark of every set holding that table, and only those.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SqliteChangeMarksTests : IDisposable
{
    private const SqliteTables Access = SqliteTables.Tokens | SqliteTables.Grants | SqliteTables.Users;
    private const SqliteTables Page = SqliteTables.Secrets | SqliteTables.SecretMembers | SqliteTables.Grants;

    private readonly StoreFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    // The table as its SqliteTables bit: the enum is internal, a test's parameters are public.
    public static TheoryData<string, int> Writes => new()
    {
        { "INSERT INTO secrets (scope, owner, name, version, value_length, key_id, wrapped_key, payload, created_at, created_by, updated_at, updated_by) VALUES ('organization', 'default', 'B', 1, 1, 'k', x'00', x'00', 'now', 'x', 'now', 'x')", (int)SqliteTables.Secrets },
        { "UPDATE secrets SET name = 'RENAMED' WHERE name = 'A'", (int)SqliteTables.Secrets },
        { "UPDATE secrets SET last_used_at = 'now' WHERE name = 'A'", (int)SqliteTables.Secrets },
        { "DELETE FROM secrets WHERE name = 'A'", (int)SqliteTables.Secrets },
        { "DELETE FROM secrets", (int)SqliteTables.Secrets },
        { "DELETE FROM secret_members WHERE name = 'A'", (int)SqliteTables.SecretMembers },
        { "UPDATE secret_members SET role = 'member'", (int)SqliteTables.SecretMembers },
        { "INSERT INTO grants (user_id, scope, owner, role, granted_at, granted_by) VALUES ('bob', 'project', 'web', 'admin', 'now', 'x')", (int)SqliteTables.Grants },
        { "DELETE FROM grants", (int)SqliteTables.Grants },
        { "UPDATE tokens SET revoked_at = 'now'", (int)SqliteTables.Tokens },
        { "UPDATE tokens SET scopes = 'secrets:admin'", (int)SqliteTables.Tokens },
        { "DELETE FROM tokens", (int)SqliteTables.Tokens },
        { "UPDATE users SET created_by = 'someone' WHERE id = 'bob'", (int)SqliteTables.Users },
        { "INSERT INTO users (id, created_at, created_by) VALUES ('eve', 'now', 'x')", (int)SqliteTables.Users },
    };

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task A_write_by_another_connection_changes_the_mark_of_every_set_holding_its_table_and_no_other(string sql, int tableBit)
    {
        var table = (SqliteTables)tableBit;
        using var marks = await OpenAsync();
        var before = AllMarks(marks);

        await _fixture.ExecuteAsync(sql);
        var after = AllMarks(marks);

        foreach (var (set, mark) in before)
        {
            if ((set & table) != 0)
            {
                Assert.NotEqual(mark, after[set]);
            }
            else
            {
                Assert.Equal(mark, after[set]);
            }
        }
    }

    [Theory]
    [InlineData("INSERT INTO audit (at, actor, action) VALUES ('now', 'x', 'use')")]
    [InlineData("UPDATE tokens SET last_used_at = 'now'")]
    [InlineData("INSERT INTO secret_uses (scope, owner, name, at, run_id, node_id, version, user_id) VALUES ('organization', 'default', 'A', 'now', 'r', 'n', 1, 'x')")]
    [InlineData("INSERT INTO meta (key, value) VALUES ('x', 'y')")]
    public async Task A_commit_that_touches_no_watched_table_changes_no_mark(string sql)
    {
        using var marks = await OpenAsync();
        var before = AllMarks(marks);

        await _fixture.ExecuteAsync(sql);

        Assert.Equal(before, AllMarks(marks));
    }

    [Fact]
    public async Task A_write_that_was_rolled_back_changes_no_mark()
    {
        using var marks = await OpenAsync();
        var before = marks.Mark(Page);

        using (var connection = new SqliteConnection($"Data Source={_fixture.Options.DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "DELETE FROM secrets";
            command.ExecuteNonQuery();
            transaction.Rollback();
        }

        Assert.Equal(before, marks.Mark(Page));
    }

    [Fact]
    public async Task A_schema_change_by_hand_changes_every_mark()
    {
        using var marks = await OpenAsync();
        var before = AllMarks(marks);

        await _fixture.ExecuteAsync("DROP TRIGGER secrets_updated");

        var after = AllMarks(marks);
        Assert.All(before, pair => Assert.NotEqual(pair.Value, after[pair.Key]));
    }

    [Fact]
    public async Task Counters_removed_by_hand_give_no_mark_so_nothing_remembered_is_used()
    {
        using var marks = await OpenAsync();
        Assert.NotNull(marks.Mark(Access));

        await _fixture.ExecuteAsync("DELETE FROM table_versions WHERE name = 'tokens'");

        Assert.Null(marks.Mark(Access));
        Assert.Null(marks.Mark(Page));
    }

    private async Task<SqliteChangeMarks> OpenAsync()
    {
        // A store's file at the current schema, with a secret, a member, a user with a grant and a token.
        using (var store = await _fixture.OpenAsync())
        {
            await store.SetAsync(StoreFixture.Admin, StoreFixture.Write("A", "v"));
            var boot = await store.Access.BootstrapAsync("bob");
            Assert.NotNull(boot);
        }

        await _fixture.ExecuteAsync("INSERT INTO secret_members (scope, owner, name, user_id, role, added_at, added_by) VALUES ('organization', 'default', 'A', 'carol', 'admin', 'now', 'x')");
        var path = _fixture.Options.DatabasePath;
        return new SqliteChangeMarks(() =>
        {
            var connection = new SqliteConnection($"Data Source={path};Pooling=False");
            connection.Open();
            return connection;
        });
    }

    private static Dictionary<SqliteTables, long?> AllMarks(SqliteChangeMarks marks) =>
        new[] { SqliteTables.Secrets, SqliteTables.SecretMembers, SqliteTables.Grants, SqliteTables.Tokens, SqliteTables.Users, Access, Page }
            .ToDictionary(set => set, set => marks.Mark(set));
}
