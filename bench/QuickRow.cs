namespace Secrets.Runtime.Benchmarks;

/// <summary>One line of the quick table.</summary>
/// <param name="Group">The benchmark group.</param>
/// <param name="Case">What was measured.</param>
/// <param name="Value">The figure, already formatted with its unit (for example <c>1.2 µs</c>, <c>450 MB/s</c>).</param>
/// <param name="Ratio">How the case compares with the group's baseline (for example <c>35x faster</c>), or empty.</param>
/// <param name="Target">The figure the issue asks for, or empty.</param>
public sealed record QuickRow(string Group, string Case, string Value, string Ratio = "", string Target = "");
