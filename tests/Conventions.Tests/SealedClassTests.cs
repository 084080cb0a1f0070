using Secrets.Runtime.Conventions.Tests.Samples;
using Secrets.Runtime.Conventions.Tests.Scans;
using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Conventions.Tests;

/// <summary>Every concrete class in src is sealed unless it is listed here as built for inheritance.</summary>
public sealed class SealedClassTests
{
    /// <summary>The classes built for inheritance, each with its reason.</summary>
    private static readonly string[] BuiltForInheritance =
    [
        // The base of every exception secrets-runtime throws on purpose (StoreException, NodeFailedException, ...).
        typeof(SecretsRuntimeException).FullName!,
    ];

    [Fact]
    public void Every_concrete_class_in_src_is_sealed_unless_built_for_inheritance()
    {
        var unsealed = TypeScan.UnsealedClasses(SourceAssemblies.Types()).Except(BuiltForInheritance, StringComparer.Ordinal).ToList();

        Assert.True(unsealed.Count == 0, "seal these classes (or list one here with its reason):\n" + string.Join('\n', unsealed));
    }

    [Fact]
    public void The_classes_listed_as_built_for_inheritance_exist_and_are_not_sealed()
    {
        var unsealed = TypeScan.UnsealedClasses(SourceAssemblies.Types());

        Assert.All(BuiltForInheritance, name => Assert.Contains(name, unsealed));
    }

    [Fact]
    public void The_scan_flags_an_unsealed_class_and_an_unsealed_record()
    {
        var unsealed = TypeScan.UnsealedClasses(BadSamples.Types);

        Assert.Equal([TypeScan.Name(typeof(BadSamples.UnsealedClass)), TypeScan.Name(typeof(BadSamples.UnsealedRecord))], unsealed);
    }
}
