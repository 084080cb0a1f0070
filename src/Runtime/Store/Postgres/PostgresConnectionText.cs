using System.Globalization;
using Npgsql;
using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Store.Postgres;

/// <summary>
/// Reads a PostgreSQL connection: an Npgsql connection string (<c>Host=db;Database=secrets;Username=app</c>) or a URI
/// (<c>postgresql://app:pw@db:5432/secrets?sslmode=require</c>). Errors name the bad part, never the password.
/// </summary>
internal static class PostgresConnectionText
{
    public static NpgsqlConnectionStringBuilder Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        text = text.Trim();
        var settings = text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            ? FromUri(text)
            : FromConnectionString(text);
        if (string.IsNullOrWhiteSpace(settings.Host))
        {
            throw Invalid("it names no host");
        }

        // Writes wait for each other, not for a pool: a host needs few connections. The listener is separate.
        settings.ApplicationName ??= "secrets-runtime";
        return settings;
    }

    private static NpgsqlConnectionStringBuilder FromConnectionString(string text)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(text);
        }
        catch (ArgumentException)
        {
            throw Invalid("it is neither a postgresql:// URI nor a connection string of Key=Value pairs Npgsql knows");
        }
    }

    private static NpgsqlConnectionStringBuilder FromUri(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw Invalid("the URI is malformed; the form is postgresql://user:password@host:port/database?option=value");
        }

        var settings = new NpgsqlConnectionStringBuilder { Host = uri.Host.Trim('[', ']') };
        if (uri.Port > 0)
        {
            settings.Port = uri.Port;
        }

        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            settings.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
            {
                settings.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }

        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0)
        {
            settings.Database = database;
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..]);
            try
            {
                settings[key] = value;
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
            {
                throw Invalid(string.Create(CultureInfo.InvariantCulture, $"the URI option '{key}' is unknown or its value is malformed"));
            }
        }

        return settings;
    }

    private static StoreException Invalid(string why) =>
        StoreErrors.DatabaseInvalid($"the database connection is not valid: {why}");
}
