using Secrets.Runtime.Conventions.Tests.Samples;
using Secrets.Runtime.Conventions.Tests.Scans;

namespace Secrets.Runtime.Conventions.Tests;

/// <summary>No public static mutable state: a host embeds the library next to others, and one run must not change another's settings.</summary>
public sealed class StaticStateTests
{
    [Fact]
    public void No_public_type_in_src_has_public_static_mutable_state()
    {
        var offenders = TypeScan.PublicStaticMutableState(SourceAssemblies.Types());

        Assert.True(offenders.Count == 0, "public static state anyone can change (make it readonly, immutable, or an option):\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void The_scan_flags_a_writable_field_a_mutable_collection_and_a_public_setter_but_not_a_readonly_string()
    {
        var offenders = TypeScan.PublicStaticMutableState(BadSamples.Types);

        var type = TypeScan.Name(typeof(BadSamples.MutableStatics));
        Assert.Equal([$"{type}.Counter", $"{type}.Mode", $"{type}.Names"], offenders);
    }
}
