#pragma warning disable CA2211, CA1051, CA1002, CA1819, CA1032, CA1064, CA1034, CA2227, CA1724, CA1852, CA1812 // Deliberately bad: the samples each convention must flag.
namespace Secrets.Runtime.Conventions.Tests.Samples;

/// <summary>Types that break each convention on purpose, to show the scans can fail.</summary>
public static class BadSamples
{
    /// <summary>The sample types, for the scans.</summary>
    public static IReadOnlyList<Type> Types { get; } =
        [typeof(UnsealedClass), typeof(UnsealedRecord), typeof(OutsideTheHierarchyException), typeof(MutableStatics)];

    /// <summary>A concrete class nobody sealed.</summary>
    public class UnsealedClass
    {
    }

    /// <summary>A record nobody sealed.</summary>
    public record UnsealedRecord(int Value);

    /// <summary>An exception that does not derive from the project's base exception.</summary>
    public sealed class OutsideTheHierarchyException : Exception
    {
    }

    /// <summary>Static state anyone can change.</summary>
    public static class MutableStatics
    {
        /// <summary>A public static field that is not read-only.</summary>
        public static int Counter;

        /// <summary>A read-only field whose list anyone can add to.</summary>
        public static readonly List<string> Names = [];

        /// <summary>A public static setter.</summary>
        public static string Mode { get; set; } = "a";

        /// <summary>Fine: read-only and immutable.</summary>
        public static readonly string Fixed = "fixed";
    }
}
