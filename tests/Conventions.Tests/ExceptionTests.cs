using System.Reflection;
using Secrets.Runtime.Conventions.Tests.Samples;
using Secrets.Runtime.Conventions.Tests.Scans;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Sandbox.CSharp;
using Secrets.Runtime.Server.Problems;

namespace Secrets.Runtime.Conventions.Tests;

/// <summary>Every exception secrets-runtime throws on purpose derives from <see cref="SecretsRuntimeException"/> and carries a catalogued code.</summary>
public sealed class ExceptionTests
{
    /// <summary>The exceptions outside the hierarchy, each with its reason.</summary>
    private static readonly string[] OutsideTheHierarchy =
    [
        // A masked copy of any exception (it keeps the original's type name); it never claims a code of its own.
        typeof(RedactedException).FullName!,

        // Lives in the script-API assembly, the only one a script sees: it cannot reference Redaction. The guard throws it
        // and the worker reports its ScriptLimit as a LimitKind, never by message.
        typeof(ScriptLimitException).FullName!,

        // An HTTP refusal written as problem+json: it carries an ApiErrors code and a status, and never leaves the server.
        typeof(ApiProblemException).FullName!,
    ];

    [Fact]
    public void Every_exception_type_in_src_derives_from_the_base_exception_unless_listed()
    {
        var outside = TypeScan.ExceptionsOutside(SourceAssemblies.Types(), typeof(SecretsRuntimeException));

        Assert.Equal(OutsideTheHierarchy.Order(StringComparer.Ordinal), outside);
    }

    [Fact]
    public void The_scan_flags_an_exception_outside_the_hierarchy()
    {
        var outside = TypeScan.ExceptionsOutside(BadSamples.Types, typeof(SecretsRuntimeException));

        Assert.Equal([TypeScan.Name(typeof(BadSamples.OutsideTheHierarchyException))], outside);
    }

    [Fact]
    public void Every_catalogue_factory_makes_an_exception_with_a_code_of_its_own_catalogue()
    {
        var checkedFactories = 0;
        var offenders = new List<string>();
        foreach (var catalogue in Catalogues())
        {
            var codes = catalogue.GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => f.IsLiteral && f.FieldType == typeof(string) && f.Name.EndsWith("Code", StringComparison.Ordinal))
                .Select(f => (string)f.GetRawConstantValue()!)
                .ToHashSet(StringComparer.Ordinal);
            foreach (var factory in Factories(catalogue))
            {
                var exception = (Exception)factory.Invoke(null, factory.GetParameters().Select(p => Argument(p.ParameterType)).ToArray())!;
                checkedFactories++;
                var code = exception switch
                {
                    SecretsRuntimeException e => e.Code,
                    ApiProblemException e => e.Code,
                    _ => null,
                };
                if (code is null || !(codes.Contains(code) || IsLimitCode(catalogue, code)))
                {
                    offenders.Add($"{catalogue.Name}.{factory.Name}: {code ?? "no code"}");
                }
            }
        }

        Assert.True(offenders.Count == 0, "factories whose code is not a constant of their catalogue:\n" + string.Join('\n', offenders));
        Assert.True(checkedFactories > 50, $"only {checkedFactories} factories were checked; the catalogue scan lost them");
    }

    /// <summary>The static <c>…Errors</c> classes of the src assemblies.</summary>
    private static IEnumerable<Type> Catalogues() =>
        SourceAssemblies.Types().Where(t => t is { IsAbstract: true, IsSealed: true } && t.Name.EndsWith("Errors", StringComparison.Ordinal));

    /// <summary>The factories whose arguments this test can make up (text, numbers, kinds and lists of text).</summary>
    private static IEnumerable<MethodInfo> Factories(Type catalogue) =>
        catalogue.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => typeof(Exception).IsAssignableFrom(m.ReturnType) && !m.IsGenericMethodDefinition && m.GetParameters().All(p => CanMake(p.ParameterType)));

    private static bool CanMake(Type type) =>
        type == typeof(string) || type == typeof(int) || type == typeof(long) || type.IsEnum || type == typeof(IReadOnlyList<string>) || type == typeof(IEnumerable<string>);

    private static object Argument(Type type) =>
        type == typeof(string) ? "x"
        : type == typeof(int) ? 1
        : type == typeof(long) ? 1L
        : type.IsEnum ? Enum.GetValues(type).GetValue(0)!
        : new List<string> { "x" };

    private static bool IsLimitCode(Type catalogue, string code) =>
        catalogue.GetField("LimitCodePrefix", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } prefix
        && code.StartsWith((string)prefix.GetRawConstantValue()!, StringComparison.Ordinal);
}
