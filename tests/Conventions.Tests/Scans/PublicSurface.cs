using System.Reflection;

namespace Secrets.Runtime.Conventions.Tests.Scans;

/// <summary>
/// The public types of a set of assemblies, and which of them an embedding host can reach: from the types it starts
/// from (the entry points), through the public and protected signatures of every type reached (base types,
/// interfaces, fields, properties, methods, constructors, events, generic arguments and nested types).
/// </summary>
internal static class PublicSurface
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>The visible types of <paramref name="assembly"/> (nested ones too), compiler- and generator-made ones left out, by name.</summary>
    public static IReadOnlyList<string> PublicTypes(Assembly assembly) =>
        TypeScan.DeclaredTypes(assembly).Where(t => t.IsVisible).Select(TypeScan.Name).Order(StringComparer.Ordinal).ToList();

    /// <summary>The visible types among <paramref name="types"/> that no signature leads to from <paramref name="entryPoints"/>.</summary>
    public static IReadOnlyList<string> Unreachable(IEnumerable<Type> types, IEnumerable<Type> entryPoints)
    {
        var candidates = types.Where(t => t.IsVisible).ToHashSet();
        var reached = new HashSet<Type>();
        var pending = new Stack<Type>(entryPoints);
        while (pending.Count > 0)
        {
            var type = pending.Pop();
            if (!reached.Add(type))
            {
                continue;
            }

            foreach (var next in Signature(type).SelectMany(Parts).Where(t => candidates.Contains(t) && !reached.Contains(t)))
            {
                pending.Push(next);
            }
        }

        return candidates.Except(reached).Select(TypeScan.Name).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Every type a host sees in <paramref name="type"/>'s visible signature.</summary>
    private static IEnumerable<Type> Signature(Type type)
    {
        if (type.BaseType is { } baseType)
        {
            yield return baseType;
        }

        foreach (var item in type.GetInterfaces().Concat(type.GetNestedTypes(BindingFlags.Public)))
        {
            yield return item;
        }

        foreach (var member in type.GetMembers(Declared))
        {
            switch (member)
            {
                case FieldInfo field when Visible(field.IsPublic, field.IsFamily, field.IsFamilyOrAssembly):
                    yield return field.FieldType;
                    break;
                case PropertyInfo property when property.GetAccessors(nonPublic: true).Any(a => Visible(a.IsPublic, a.IsFamily, a.IsFamilyOrAssembly)):
                    yield return property.PropertyType;
                    foreach (var parameter in property.GetIndexParameters())
                    {
                        yield return parameter.ParameterType;
                    }

                    break;
                case MethodBase method when Visible(method.IsPublic, method.IsFamily, method.IsFamilyOrAssembly):
                    if (method is MethodInfo { ReturnType: var returned })
                    {
                        yield return returned;
                    }

                    foreach (var parameter in method.GetParameters())
                    {
                        yield return parameter.ParameterType;
                    }

                    break;
                case EventInfo { EventHandlerType: { } handler } item when item.AddMethod is { } add && Visible(add.IsPublic, add.IsFamily, add.IsFamilyOrAssembly):
                    yield return handler;
                    break;
            }
        }
    }

    private static bool Visible(bool isPublic, bool isFamily, bool isFamilyOrAssembly) => isPublic || isFamily || isFamilyOrAssembly;

    /// <summary>A type and what it is made of: element types, generic arguments, by-reference targets.</summary>
    private static IEnumerable<Type> Parts(Type type)
    {
        if (type.HasElementType)
        {
            return Parts(type.GetElementType()!);
        }

        return type.IsGenericType && !type.IsGenericTypeDefinition
            ? Parts(type.GetGenericTypeDefinition()).Concat(type.GetGenericArguments().SelectMany(Parts))
            : [type];
    }
}
