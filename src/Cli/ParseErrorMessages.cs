using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Secrets.Runtime.Cli;

/// <summary>
/// Turns System.CommandLine's parse errors into messages that name the position and the rule, never the text of an
/// argument: any token may be a value typed by mistake, and stderr ends up in CI logs.
/// </summary>
internal static class ParseErrorMessages
{
    /// <summary>Words a user tries when looking for a way to read a value back.</summary>
    private static readonly HashSet<string> ReadWords = new(StringComparer.OrdinalIgnoreCase) { "get", "show", "reveal", "read", "cat", "print", "value", "view", "dump" };

    /// <summary>The rule that explains why a stray argument is refused under <c>secret</c>.</summary>
    public const string ValueRule = "values are read from stdin or a prompt, never from the command line";

    /// <summary>What to say when someone asks for a value.</summary>
    public const string WriteOnly = "secret values are write-only: no command prints one. See names and metadata with `secret list`, use a value through a workflow ({{secrets.NAME}}), `eval` or `exec` (output masked), or replace it with `secret set NAME`";

    /// <summary>One line per problem, deduplicated, none quoting an argument.</summary>
    public static IReadOnlyList<string> For(ParseResult parse, IReadOnlyList<string> args)
    {
        var messages = new List<string>();
        var command = parse.CommandResult.Command;
        var path = CommandPath(parse.CommandResult);
        var used = new HashSet<int>();
        var skipNext = false;
        foreach (var token in parse.UnmatchedTokens)
        {
            var position = Position(args, token, used);
            if (skipNext)
            {
                // The argument of a value option that does not exist: the value itself, already refused above.
                skipNext = false;
                continue;
            }

            skipNext = IsValueOption(token);
            var message = Unmatched(command, path, token, position);
            messages.Add(message);
            if (message == WriteOnly)
            {
                // `secret get NAME`: the answer is the rule; the name after it is not a second problem.
                break;
            }
        }

        foreach (var error in parse.Errors)
        {
            switch (error.SymbolResult)
            {
                case OptionResult option:
                    messages.Add(OptionProblem(option, path, args));
                    break;
                case ArgumentResult argument when argument.Tokens.Count > 0:
                    messages.Add($"{argument.Argument.Name} ({Where(args, argument.Tokens[0].Value)}) is not {Expected(argument.Argument.ValueType)}; see `{path} --help`");
                    break;
                default:
                    break;
            }
        }

        messages.AddRange(Missing(parse.CommandResult, path, parse.UnmatchedTokens.Count > 0));
        if (messages.Count == 0)
        {
            // A parse error this mapping does not know: say where, never what.
            messages.Add($"the command line is not valid for `{path}`; see `{path} --help`");
        }

        return messages.Distinct(StringComparer.Ordinal).ToList();
    }

    private static string Unmatched(Command command, string path, string token, int position)
    {
        var at = position > 0 ? string.Create(CultureInfo.InvariantCulture, $"argument {position}") : "an argument";
        if (command.Subcommands.Count > 0 && command.Action is null && !token.StartsWith('-'))
        {
            if (command.Name == "secret" && ReadWords.Contains(token))
            {
                return WriteOnly;
            }

            var names = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
            return $"{at} is not a command of `{path}`{Suggest(token, names)}; commands: {string.Join(", ", names)}";
        }

        if (token.StartsWith('-'))
        {
            var name = token.Split('=', ':')[0];
            var options = AllOptions(command).ToList();
            if (IsValueOption(name))
            {
                return $"{at}: there is no {name.ToLowerInvariant()} option: {ValueRule}";
            }

            return $"{at} is not an option of `{path}`{Suggest(name, options)}; see `{path} --help`";
        }

        var rule = path.StartsWith("secrets-runtime secret", StringComparison.Ordinal) ? ValueRule : $"see `{path} --help`";
        return $"{at} is not expected by `{path}` (its text is not shown: it could be a value); {rule}";
    }

    private static bool IsValueOption(string token) =>
        token.Equals("--value", StringComparison.OrdinalIgnoreCase) || token.Equals("--secret", StringComparison.OrdinalIgnoreCase);

    private static string OptionProblem(OptionResult option, string path, IReadOnlyList<string> args)
    {
        var name = option.Option.Name;
        if (option.Tokens.Count == 0)
        {
            return $"{name} needs {Expected(option.Option.ValueType)}; see `{path} --help`";
        }

        return $"{name} ({Where(args, option.Tokens[0].Value)}) is not {Expected(option.Option.ValueType)}; see `{path} --help`";
    }

    private static IEnumerable<string> Missing(CommandResult result, string path, bool strayTokens)
    {
        var command = result.Command;
        if (command.Subcommands.Count > 0 && command.Action is null)
        {
            if (!strayTokens)
            {
                yield return $"`{path}` needs a command: {string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}";
            }

            yield break;
        }

        foreach (var argument in command.Arguments.Where(a => a.Arity.MinimumNumberOfValues > 0))
        {
            if (result.GetResult(argument) is not { Tokens.Count: > 0 })
            {
                yield return $"`{path}` needs {argument.Name}; see `{path} --help`";
            }
        }

        foreach (var option in command.Options.Where(o => o.Required))
        {
            if (result.GetResult(option) is null or { Implicit: true })
            {
                yield return $"`{path}` needs {option.Name}; see `{path} --help`";
            }
        }
    }

    private static string Expected(Type type)
    {
        var inner = Nullable.GetUnderlyingType(type) ?? type;
        return inner == typeof(int) || inner == typeof(long) ? "a whole number"
            : inner == typeof(bool) ? "true or false"
            : inner.IsArray ? "a list of values"
            : "a value";
    }

    private static string Where(IReadOnlyList<string> args, string token)
    {
        var position = Position(args, token, []);
        return position > 0 ? string.Create(CultureInfo.InvariantCulture, $"argument {position}") : "its argument";
    }

    /// <summary>The 1-based position of <paramref name="token"/> in the command line (also inside <c>--x=token</c>), or 0.</summary>
    private static int Position(IReadOnlyList<string> args, string token, HashSet<int> used)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var match = arg == token || arg.EndsWith("=" + token, StringComparison.Ordinal) || arg.EndsWith(":" + token, StringComparison.Ordinal);
            if (match && used.Add(i))
            {
                return i + 1;
            }
        }

        return 0;
    }

    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is not null; r = r.Parent)
        {
            if (r is CommandResult c)
            {
                names.Add(c.Command is RootCommand ? "secrets-runtime" : c.Command.Name);
            }
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    private static IEnumerable<string> AllOptions(Command command)
    {
        for (var c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            foreach (var option in c.Options.Where(o => !o.Hidden && (c == command || o.Recursive)))
            {
                yield return option.Name;
            }
        }
    }

    /// <summary>"; did you mean X" when one known word is within two edits; the typed word is never repeated.</summary>
    internal static string Suggest(string typed, IEnumerable<string> known)
    {
        var best = known.Select(k => (Word: k, Distance: Distance(typed.ToLowerInvariant(), k.ToLowerInvariant())))
            .Where(x => x.Distance <= Math.Max(1, Math.Min(2, x.Word.Length / 3)))
            .OrderBy(x => x.Distance)
            .FirstOrDefault();
        return best.Word is null ? string.Empty : $"; did you mean `{best.Word}`?";
    }

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
