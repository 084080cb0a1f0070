using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Store.Listing;

/// <summary>Opaque keyset cursors: base64url of the last key of a page (never a value), checked when read back.</summary>
internal static class PageCursor
{
    public static string ForSecret(SecretKey key) => Encode($"s\n{key.Scope.ToText()}\n{key.Owner}\n{key.Name.Value}");

    public static SecretKey? SecretAfter(string? cursor)
    {
        if (cursor is null)
        {
            return null;
        }

        var parts = Decode(cursor).Split('\n');
        if (parts.Length != 4 || parts[0] != "s" || !SecretName.TryParse(parts[3], out var name, out _))
        {
            throw Invalid();
        }

        try
        {
            return new SecretKey(SecretScopeText.Parse(parts[1]), parts[2], name);
        }
        catch (StoreException)
        {
            throw Invalid();
        }
    }

    public static string ForAudit(long id) => Encode(string.Create(CultureInfo.InvariantCulture, $"a\n{id}"));

    public static long AuditAfter(string? cursor)
    {
        if (cursor is null)
        {
            return 0;
        }

        var parts = Decode(cursor).Split('\n');
        return parts.Length == 2 && parts[0] == "a" && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : throw Invalid();
    }

    private static string Encode(string text) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));

    private static string Decode(string cursor)
    {
        if (cursor.Length > 1000 || !Base64Url.IsValid(cursor))
        {
            throw Invalid();
        }

        try
        {
            return new UTF8Encoding(false, true).GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (Exception ex) when (ex is FormatException or DecoderFallbackException)
        {
            throw Invalid();
        }
    }

    private static StoreException Invalid() =>
        new(StoreErrors.CursorInvalidCode, ErrorKind.InvalidInput, "the cursor is not one this store handed out; start again without a cursor");
}
