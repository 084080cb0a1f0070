using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Postgres;

namespace Secrets.Runtime.Tests.Store.Postgres;

public sealed class PostgresConnectionTextTests
{
    [Fact]
    public void A_uri_gives_host_port_user_escaped_password_database_and_options()
    {
        var settings = PostgresConnectionText.Parse("postgresql://app:p%40ss%3Aword@db.internal:6543/secrets?sslmode=disable&timeout=7");

        Assert.Equal(("db.internal", 6543, "app", "p@ss:word", "secrets"), (settings.Host, settings.Port, settings.Username, settings.Password, settings.Database));
        Assert.Equal(Npgsql.SslMode.Disable, settings.SslMode);
        Assert.Equal(7, settings.Timeout);
    }

    [Fact]
    public void A_connection_string_is_taken_as_it_is()
    {
        var settings = PostgresConnectionText.Parse("Host=db;Port=5433;Database=s;Username=u;Password=pw");

        Assert.Equal(("db", 5433, "s"), (settings.Host, settings.Port, settings.Database));
    }

    [Theory]
    [InlineData("postgresql://u:pw-secret-1@db/x?bogus=pw-secret-1", "bogus")]
    [InlineData("Nonsense=pw-secret-1", "neither")]
    [InlineData("Database=x;Password=pw-secret-1", "no host")]
    public void A_bad_connection_is_invalid_input_that_never_shows_the_password(string text, string expected)
    {
        var ex = Assert.Throws<StoreException>(() => PostgresConnectionText.Parse(text));

        Assert.Equal("store.database_invalid", ex.Code);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-secret-1", ex.Message, StringComparison.Ordinal);
    }
}
