using System.CommandLine;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Cli.Commands;

/// <summary>The options that pick a scope and its owner: <c>--scope</c>, <c>--project</c>, <c>--owner</c>, <c>--org</c>.</summary>
internal sealed class ScopeOptions
{
    /// <summary>The options of a command that writes one scope (<c>--scope</c> defaults to organization).</summary>
    public ScopeOptions()
        : this(listing: false)
    {
    }

    /// <summary>With <paramref name="listing"/>, <c>--scope</c> is a filter with no default (every scope).</summary>
    public ScopeOptions(bool listing)
    {
        Scope = listing
            ? new("--scope") { Description = "Only this scope: organization (or workspace), project or personal (default: every scope)" }
            : new("--scope") { Description = "organization (or workspace), project or personal", DefaultValueFactory = _ => "organization" };
    }

    public Option<string> Scope { get; }

    public Option<string?> Project { get; } = new("--project") { Description = "Project id (project scope)" };

    public Option<string?> Owner { get; } = new("--owner") { Description = "User who owns a personal secret (default: the acting user)" };

    public Option<string> Organization { get; } = new("--org") { Description = "Organization id (organization scope)", DefaultValueFactory = _ => "default" };

    public void AddTo(Command command)
    {
        command.Options.Add(Scope);
        command.Options.Add(Project);
        command.Options.Add(Owner);
        command.Options.Add(Organization);
    }

    /// <summary>The scope and owner chosen, or an error saying what is missing.</summary>
    public (SecretScope Scope, string Owner) Resolve(ParseResult parse, string user)
    {
        var scope = Parse(parse);
        return scope switch
        {
            SecretScope.Project => (scope, parse.GetValue(Project) is { Length: > 0 } project
                ? project
                : throw CliErrors.ProjectRequired("--project ID is required with --scope project")),
            SecretScope.Personal => (scope, parse.GetValue(Owner) is { Length: > 0 } owner ? owner : user),
            _ => (scope, parse.GetValue(Organization)!),
        };
    }

    /// <summary>The scope filter for listing: null when <c>--scope</c> was not given.</summary>
    public SecretScope? Filter(ParseResult parse) =>
        parse.GetResult(Scope) is { Implicit: false } ? Parse(parse) : null;

    /// <summary>The options that select (scope, owner), as a user would type them.</summary>
    public static string Arguments(SecretScope scope, string owner) => scope switch
    {
        SecretScope.Project => "--scope project --project " + CliContext.Quote(owner),
        SecretScope.Personal => "--scope personal --owner " + CliContext.Quote(owner),
        _ => owner == "default" ? "--scope organization" : "--scope organization --org " + CliContext.Quote(owner),
    };

    private SecretScope Parse(ParseResult parse)
    {
        var word = CliInput.Choice(parse, Scope, "organization", "workspace", "project", "personal", "org", "organisation", "user");
        return SecretScopeText.Parse(word);
    }
}
