namespace Secrets.Runtime.Console.Tests;

/// <summary>One server and one browser for every console test.</summary>
[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleServer>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "console";
}
