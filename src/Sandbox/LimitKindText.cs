namespace Secrets.Runtime.Sandbox;

/// <summary>The text form of a <see cref="LimitKind"/> used in error codes and JSON: snake case (<c>memory</c>, <c>background_work</c>).</summary>
internal static class LimitKindText
{
    /// <summary>The snake-case name of <paramref name="limit"/>.</summary>
    public static string ToText(this LimitKind limit) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(limit.ToString());
}
