using System.CodeDom.Compiler;
using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Secrets.Runtime.Conventions.Tests.Scans;

/// <summary>Reflection scans over a set of types; each returns the offenders by name, so a test can point it at bad samples too.</summary>
internal static class TypeScan
{
    private const BindingFlags DeclaredStatic = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>The types an assembly declares, without compiler-generated ones (closures, state machines, file-local and generated types).</summary>
    public static IEnumerable<Type> DeclaredTypes(Assembly assembly) =>
        assembly.GetTypes().Where(t => !IsGenerated(t));

    /// <summary>Concrete classes that are not sealed: every class is sealed unless built for inheritance.</summary>
    public static IReadOnlyList<string> UnsealedClasses(IEnumerable<Type> types) =>
        types.Where(t => t.IsClass && !t.IsAbstract && !t.IsSealed && !typeof(Delegate).IsAssignableFrom(t)).Select(Name).Order(StringComparer.Ordinal).ToList();

    /// <summary>Exception types that do not derive from <paramref name="baseException"/>.</summary>
    public static IReadOnlyList<string> ExceptionsOutside(IEnumerable<Type> types, Type baseException) =>
        types.Where(t => typeof(Exception).IsAssignableFrom(t) && !baseException.IsAssignableFrom(t)).Select(Name).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Static state anyone can change: on a public type, a public static field that is not read-only, a public static
    /// property with a public setter, or a public static read-only field or property of a mutable collection type.
    /// </summary>
    public static IReadOnlyList<string> PublicStaticMutableState(IEnumerable<Type> types)
    {
        var offenders = new List<string>();
        foreach (var type in types.Where(t => t.IsVisible))
        {
            foreach (var field in type.GetFields(DeclaredStatic).Where(f => f.IsPublic && !f.IsLiteral))
            {
                if (!field.IsInitOnly || IsMutableCollection(field.FieldType))
                {
                    offenders.Add($"{Name(type)}.{field.Name}");
                }
            }

            foreach (var property in type.GetProperties(DeclaredStatic).Where(p => p.GetMethod?.IsPublic == true || p.SetMethod?.IsPublic == true))
            {
                if (property.SetMethod?.IsPublic == true || (property.GetMethod?.IsPublic == true && IsMutableCollection(property.PropertyType)))
                {
                    offenders.Add($"{Name(type)}.{property.Name}");
                }
            }
        }

        return offenders.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The type's full name with nested types joined by a dot.</summary>
    public static string Name(Type type) => (type.FullName ?? type.Name).Replace('+', '.');

    private static bool IsMutableCollection(Type type) =>
        type.IsArray
        || (type.IsGenericType && type.GetGenericTypeDefinition() is var definition
            && (definition == typeof(List<>) || definition == typeof(Dictionary<,>) || definition == typeof(HashSet<>)
                || definition == typeof(ConcurrentDictionary<,>) || definition == typeof(ConcurrentBag<>) || definition == typeof(Queue<>) || definition == typeof(Stack<>)))
        || type == typeof(ArrayList) || type == typeof(Hashtable);

    private static bool IsGenerated(Type type) =>
        type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false)
        || type.IsDefined(typeof(GeneratedCodeAttribute), inherit: false)
        || type.Name.Contains('<', StringComparison.Ordinal)
        || (type.Namespace is null && type.Name == "Program") // the compiler's class for top-level statements
        || (type.Namespace?.StartsWith("System.", StringComparison.Ordinal) ?? false)
        || (type.Namespace?.StartsWith("Microsoft.", StringComparison.Ordinal) ?? false)
        || (type.DeclaringType is { } declaring && IsGenerated(declaring));
}
