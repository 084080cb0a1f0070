using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Store.Access;

/// <summary>The words for <see cref="SecretRole"/>: <c>reader</c>, <c>writer</c>, <c>admin</c>.</summary>
internal static class RoleText
{
    /// <summary>The word for a role.</summary>
    public static string Format(SecretRole role) => role switch
    {
        SecretRole.Reader => "reader",
        SecretRole.Writer => "writer",
        SecretRole.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    /// <summary>The role a word names.</summary>
    /// <exception cref="StoreException">Not reader, writer or admin (<c>access.role_unknown</c>).</exception>
    public static SecretRole Parse(string text) => text switch
    {
        "reader" => SecretRole.Reader,
        "writer" => SecretRole.Writer,
        "admin" => SecretRole.Admin,
        _ => throw new StoreException(StoreErrors.AccessRoleUnknownCode, ErrorKind.InvalidInput, "a role is reader, writer or admin"),
    };
}
