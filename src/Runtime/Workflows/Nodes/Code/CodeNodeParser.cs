using System.Text.Json.Nodes;
using Secrets.Runtime.Store;
using Secrets.Runtime.Workflows.Definition;

namespace Secrets.Runtime.Workflows.Nodes.Code;

/// <summary>Reads a code node's JSON into a <see cref="CodeNode"/>, reporting every problem with its JSON path.</summary>
internal static class CodeNodeParser
{
    /// <summary>Parses a code node: C# from <c>source</c> or a confined <c>file</c>, its aliased credentials and allowed hosts.</summary>
    public static CodeNode? Parse(NodeParseInput input)
    {
        var (config, copy, id, index, path, baseDirectory, problems) = input;
        var language = WorkflowLoader.RequiredString(config, path, "language", problems);
        if (language is not null && language != "csharp")
        {
            problems.Add(new WorkflowProblem($"{path}.language", $"unsupported language '{language}'; code nodes run \"csharp\""));
        }

        var inline = WorkflowLoader.OptionalString(config, path, "source", problems);
        var file = WorkflowLoader.OptionalString(config, path, "file", problems);
        string? source = inline;
        string? sourceFile = null;
        if ((inline is null) == (file is null))
        {
            problems.Add(new WorkflowProblem(path, "a code node has exactly one of \"source\" (inline C#) or \"file\" (a path relative to the workflow file)"));
        }
        else if (file is not null)
        {
            // Read through the confined reader only: the path is the workflow's, not ours, and a problem never quotes the file.
            var (text, fullPath, problem) = baseDirectory is null
                ? (null, null, "an inline workflow has no folder to read a script file from; put the script in \"source\"")
                : ConfinedFileReader.ReadInside(baseDirectory, file, ConfinedFileReader.MaxScriptBytes);

            // Only C# files: a compile diagnostic quotes tokens, so a .env or key file beside the workflow never compiles.
            if (problem is null && !(IsScriptFile(file) && IsScriptFile(fullPath!)))
            {
                problem = $"'{file}' is not a C# script file; a code node's file ends in .csx or .cs";
            }

            if (problem is not null)
            {
                problems.Add(new WorkflowProblem($"{path}.file", problem));
            }
            else
            {
                source = text;
                sourceFile = fullPath;
            }
        }

        var credentials = new List<CodeCredential>();
        if (config["credentials"] is { } rawCredentials)
        {
            if (rawCredentials is not JsonArray list)
            {
                problems.Add(new WorkflowProblem($"{path}.credentials", "credentials is an array of { \"secret\": NAME, \"alias\": ALIAS }"));
            }
            else
            {
                var aliases = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; i < list.Count; i++)
                {
                    var itemPath = $"{path}.credentials[{i}]";
                    if (list[i] is not JsonObject entry)
                    {
                        problems.Add(new WorkflowProblem(itemPath, "a credential is { \"secret\": NAME, \"alias\": ALIAS }"));
                        continue;
                    }

                    var secret = WorkflowLoader.RequiredString(entry, itemPath, "secret", problems);
                    var alias = WorkflowLoader.RequiredString(entry, itemPath, "alias", problems);
                    SecretName name = default;
                    string? nameError = null;
                    var nameOk = secret is not null && SecretName.TryParse(secret, out name, out nameError);
                    if (secret is not null && !nameOk)
                    {
                        problems.Add(new WorkflowProblem($"{itemPath}.secret", $"invalid secret name: {nameError}"));
                    }

                    if (alias is not null && !WorkflowLoader.IsIdentifier(alias))
                    {
                        problems.Add(new WorkflowProblem($"{itemPath}.alias", $"alias '{alias}' must be letters, digits and '_', not starting with a digit"));
                    }
                    else if (alias is not null && !aliases.Add(alias))
                    {
                        problems.Add(new WorkflowProblem($"{itemPath}.alias", $"alias '{alias}' is used twice in this node"));
                    }
                    else if (alias is not null && nameOk)
                    {
                        credentials.Add(new CodeCredential(name, alias));
                    }
                }
            }
        }

        var hosts = WorkflowLoader.StringList(config, path, "allowedHosts", problems);
        return source is null ? null : new CodeNode(id, index, copy, source, sourceFile, credentials, hosts);
    }

    private static bool IsScriptFile(string path) => path.EndsWith(".csx", StringComparison.Ordinal) || path.EndsWith(".cs", StringComparison.Ordinal);
}
