namespace Secrets.Runtime.Store.Versions;

/// <summary>The words for <see cref="SecretVersionSource"/> as stored and shown: set, import, restore, rotate.</summary>
internal static class SecretVersionText
{
    /// <summary>The word for a source.</summary>
    public static string ToText(this SecretVersionSource source) => source switch
    {
        SecretVersionSource.Import => "import",
        SecretVersionSource.Restore => "restore",
        SecretVersionSource.Rotate => "rotate",
        _ => "set",
    };

    /// <summary>The source a stored word names (unknown words read as set).</summary>
    public static SecretVersionSource ParseSource(string text) => text switch
    {
        "import" => SecretVersionSource.Import,
        "restore" => SecretVersionSource.Restore,
        "rotate" => SecretVersionSource.Rotate,
        _ => SecretVersionSource.Set,
    };
}
