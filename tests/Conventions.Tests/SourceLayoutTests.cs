using Secrets.Runtime.Conventions.Tests.Scans;

namespace Secrets.Runtime.Conventions.Tests;

/// <summary>One public type per file, the file named after it, and the namespace equal to the folder (house style rule 1).</summary>
public sealed class SourceLayoutTests
{
    [Fact]
    public void Every_source_file_in_src_has_one_public_type_named_like_the_file_in_the_namespace_of_its_folder()
    {
        var offences = SourceScan.Offences(Path.Combine(SourceAssemblies.RepositoryRoot(), "src"));

        Assert.True(offences.Count == 0, "source layout:\n" + string.Join('\n', offences));
    }

    [Fact]
    public void The_scan_flags_a_wrong_namespace_two_public_types_and_a_misnamed_file()
    {
        var root = Directory.CreateTempSubdirectory("conventions-");
        try
        {
            var project = Directory.CreateDirectory(Path.Combine(root.FullName, "Sample", "Feature"));
            File.WriteAllText(Path.Combine(root.FullName, "Sample", "Sample.csproj"), "<Project><PropertyGroup><RootNamespace>Acme.Sample</RootNamespace></PropertyGroup></Project>");
            File.WriteAllText(Path.Combine(project.FullName, "Good.cs"), "namespace Acme.Sample.Feature;\npublic sealed class Good { }\ninternal sealed class Helper { }\n");
            File.WriteAllText(Path.Combine(project.FullName, "Wrong.cs"), "namespace Acme.Sample;\ninternal sealed class Wrong { }\n");
            File.WriteAllText(Path.Combine(project.FullName, "Two.cs"), "namespace Acme.Sample.Feature;\npublic sealed class Two { }\npublic enum Other { A }\n");
            File.WriteAllText(Path.Combine(project.FullName, "Misnamed.cs"), "namespace Acme.Sample.Feature;\npublic sealed record Named(int A);\n");

            var offences = SourceScan.Offences(root.FullName);

            Assert.Equal(4, offences.Count);
            Assert.Contains(offences, o => o.Contains("Wrong.cs: namespace Acme.Sample does not follow its folder; expected Acme.Sample.Feature", StringComparison.Ordinal));
            Assert.Contains(offences, o => o.Contains("Two.cs: declares 2 public types (Two, Other)", StringComparison.Ordinal));
            Assert.Contains(offences, o => o.Contains("Two.cs: public type Other is not in a file named Other.cs", StringComparison.Ordinal));
            Assert.Contains(offences, o => o.Contains("Misnamed.cs: public type Named is not in a file named Named.cs", StringComparison.Ordinal));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
