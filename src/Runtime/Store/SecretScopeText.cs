namespace Secrets.Runtime.Store;

/// <summary>The words for scopes: <c>organization</c> (or <c>workspace</c>), <c>project</c>, <c>personal</c>.</summary>
internal static class SecretScopeText
{
    /// <summary>Parses a scope word, case-insensitive; <c>workspace</c> is the same as <c>organization</c>.</summary>
    /// <exception cref="StoreException">The word is not a scope.</exception>
    public static SecretScope Parse(string text) => text switch
    {
        // The words the store writes, first: every row read goes through here.
        "project" => SecretScope.Project,
        "organization" => SecretScope.Organization,
        "personal" => SecretScope.Personal,
        _ => ParseTyped(text),
    };

    private static SecretScope ParseTyped(string text) => text?.Trim().ToLowerInvariant() switch
    {
        "organization" or "organisation" or "workspace" or "org" => SecretScope.Organization,
        "project" => SecretScope.Project,
        "personal" or "user" => SecretScope.Personal,
        _ => throw StoreErrors.ScopeInvalid($"unknown scope '{text}'; use organization (or workspace), project or personal"),
    };

    /// <summary>The lower-case word for a scope.</summary>
    public static string ToText(this SecretScope scope) => scope switch
    {
        SecretScope.Organization => "organization",
        SecretScope.Project => "project",
        _ => "personal",
    };
}
