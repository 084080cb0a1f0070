using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Secrets.Runtime.Conventions.Tests.Scans;

/// <summary>
/// Reads a source tree project by project: the folder of a file names its namespace (the project's root namespace plus
/// the folders below the project), a file declares at most one public top-level type, and that type names the file.
/// </summary>
internal static partial class SourceScan
{
    /// <summary>Every offence in the projects under <paramref name="root"/> (each folder holding a .csproj is a project).</summary>
    public static IReadOnlyList<string> Offences(string root)
    {
        var offences = new List<string>();
        foreach (var project in Directory.EnumerateFiles(root, "*.csproj", SearchOption.AllDirectories).Where(p => !IsBuildOutput(p)))
        {
            var directory = Path.GetDirectoryName(project)!;
            var rootNamespace = RootNamespace().Match(File.ReadAllText(project)) is { Success: true } match
                ? match.Groups[1].Value
                : Path.GetFileNameWithoutExtension(project);
            foreach (var file in SourceFiles(directory))
            {
                offences.AddRange(FileOffences(Path.GetRelativePath(root, file), File.ReadAllText(file), Expected(rootNamespace, Path.GetRelativePath(directory, Path.GetDirectoryName(file)!))));
            }
        }

        return offences.Order(StringComparer.Ordinal).ToList();
    }

    private static IEnumerable<string> FileOffences(string path, string text, string expectedNamespace)
    {
        var unit = CSharpSyntaxTree.ParseText(text, path: path).GetCompilationUnitRoot();
        var namespaces = unit.Members.OfType<BaseNamespaceDeclarationSyntax>().ToList();
        if (namespaces.Count == 0)
        {
            // Top-level statements (a Program.cs) declare no namespace; a type outside any namespace is an offence.
            if (unit.Members.OfType<BaseTypeDeclarationSyntax>().Any() || unit.Members.OfType<DelegateDeclarationSyntax>().Any())
            {
                yield return $"{path}: declares a type outside a namespace; expected namespace {expectedNamespace}";
            }

            yield break;
        }

        foreach (var declaration in namespaces.Where(n => !string.Equals(n.Name.ToString(), expectedNamespace, StringComparison.Ordinal)))
        {
            yield return $"{path}: namespace {declaration.Name} does not follow its folder; expected {expectedNamespace}";
        }

        var publicTypes = namespaces.SelectMany(n => n.Members)
            .Where(m => m is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax && m.Modifiers.Any(SyntaxKind.PublicKeyword))
            .Select(TypeName)
            .ToList();
        if (publicTypes.Count > 1)
        {
            yield return $"{path}: declares {publicTypes.Count} public types ({string.Join(", ", publicTypes)}); one public type per file";
        }

        var fileName = Path.GetFileNameWithoutExtension(path);
        var stem = fileName.Split('.')[0];
        foreach (var type in publicTypes.Where(t => !string.Equals(t, stem, StringComparison.Ordinal)))
        {
            yield return $"{path}: public type {type} is not in a file named {type}.cs";
        }
    }

    private static string TypeName(MemberDeclarationSyntax member) => member switch
    {
        BaseTypeDeclarationSyntax type => type.Identifier.Text,
        DelegateDeclarationSyntax type => type.Identifier.Text,
        _ => member.ToString(),
    };

    private static string Expected(string rootNamespace, string relativeFolder) =>
        relativeFolder == "." ? rootNamespace : rootNamespace + "." + relativeFolder.Replace(Path.DirectorySeparatorChar, '.');

    /// <summary>The project's .cs files, without build output and without folders that hold a project of their own.</summary>
    private static IEnumerable<string> SourceFiles(string projectDirectory)
    {
        var pending = new Stack<string>([projectDirectory]);
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            foreach (var file in Directory.EnumerateFiles(directory, "*.cs"))
            {
                yield return file;
            }

            foreach (var child in Directory.EnumerateDirectories(directory))
            {
                var name = Path.GetFileName(child);
                if (name is "bin" or "obj" || name.StartsWith('.') || Directory.EnumerateFiles(child, "*.csproj").Any())
                {
                    continue;
                }

                pending.Push(child);
            }
        }
    }

    private static bool IsBuildOutput(string path) =>
        path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
        || path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal);

    [GeneratedRegex("<RootNamespace>([^<]+)</RootNamespace>")]
    private static partial Regex RootNamespace();
}
