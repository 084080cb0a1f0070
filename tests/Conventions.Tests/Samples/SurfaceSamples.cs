namespace Secrets.Runtime.Conventions.Tests.Samples;

/// <summary>A small public surface for the reachability scan: an entry point, what its signatures lead to, and one type nothing leads to.</summary>
public static class SurfaceSamples
{
    /// <summary>The entry point.</summary>
    public sealed class Front
    {
        /// <summary>Leads to <see cref="Answer"/>, inside a task.</summary>
        public Task<Answer> Pending { get; } = Task.FromResult(new Answer([]));
    }

    /// <summary>Reached through <see cref="Front"/>; leads to <see cref="Inner"/> inside a list.</summary>
    public sealed record Answer(IReadOnlyList<Inner> Items);

    /// <summary>Reached through a generic argument.</summary>
    public sealed class Inner
    {
    }

    /// <summary>Public, but no signature leads here: the scan must flag it.</summary>
    public sealed class Tooling
    {
    }
}
