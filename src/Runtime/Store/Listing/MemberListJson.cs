using System.Text;
using System.Text.Json;
using Secrets.Runtime.Store.Access;

namespace Secrets.Runtime.Store.Listing;

/// <summary>
/// Reads the members column of a page's query: a JSON array of <c>[user, role, added at, added by]</c> arrays, built
/// by the database from the members' rows (never from user input), so a page's members cost no query of their own.
/// </summary>
internal static class MemberListJson
{
    /// <summary>The explicit members in <paramref name="json"/>, in its order; empty for a personal secret, which is never shared.</summary>
    /// <exception cref="StoreException">The column is not such an array (<c>store.integrity</c>): the rows were changed by hand.</exception>
    public static IReadOnlyList<SecretMember> Parse(string json, SecretScope scope, Func<string, DateTimeOffset> parseTime)
    {
        if (scope == SecretScope.Personal || json.Length <= 2)
        {
            return [];
        }

        var members = new List<SecretMember>();
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        try
        {
            Expect(ref reader, JsonTokenType.StartArray);
            while (reader.Read() && reader.TokenType == JsonTokenType.StartArray)
            {
                var user = Text(ref reader);
                var role = Text(ref reader) == "admin" ? SecretMemberRole.Admin : SecretMemberRole.Member;
                var addedAt = parseTime(Text(ref reader));
                var addedBy = Text(ref reader);
                Expect(ref reader, JsonTokenType.EndArray);
                members.Add(new SecretMember(user, role, false, addedAt, addedBy));
            }
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            throw StoreErrors.Integrity("a secret's members could not be read: its member rows were changed outside secrets-runtime");
        }

        return members;
    }

    private static string Text(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.String);
        return reader.GetString()!;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (!reader.Read() || reader.TokenType != type)
        {
            throw new FormatException("unexpected member JSON");
        }
    }
}
