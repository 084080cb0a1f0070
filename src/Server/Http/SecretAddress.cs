using Microsoft.AspNetCore.Http;
using Secrets.Runtime.Server.Problems;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Server.Http;

/// <summary>The three places a secret lives in the URL space: <c>organizations/{org}</c>, <c>projects/{project}</c>, <c>users/{user}</c>.</summary>
/// <param name="Segment">The path segment.</param>
/// <param name="Scope">The scope it names.</param>
/// <param name="Noun">The word for the owner in operation names.</param>
internal sealed record SecretAddress(string Segment, SecretScope Scope, string Noun)
{
    public static IReadOnlyList<SecretAddress> All { get; } =
    [
        new("organizations", SecretScope.Organization, "Organization"),
        new("projects", SecretScope.Project, "Project"),
        new("users", SecretScope.Personal, "Personal"),
    ];

    /// <summary>Parses a secret name from the path; a bad one is 400 with the rule.</summary>
    /// <remarks>The message does not quote the name: a value pasted by mistake in its place must not come back.</remarks>
    public static SecretName Name(string text) => SecretName.TryParse(text, out var name, out _)
        ? name
        : throw new ApiProblemException(StatusCodes.Status400BadRequest, Secrets.Runtime.Store.StoreErrors.NameInvalidCode, "the secret name in the path is not valid",
            [new ApiError("use letters A-Z, digits and '_', not starting with a digit, at most 255 characters", "name")]);

    /// <summary>The address of a secret's metadata.</summary>
    public string PathOf(string owner, SecretName name) => $"/api/v1/{Segment}/{Uri.EscapeDataString(owner)}/secrets/{name.Value}";
}
