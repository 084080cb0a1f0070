using System.Net;
using System.Text;
using System.Text.Json;
using Secrets.Runtime.Redaction.Tests.Corpus;
using Secrets.Runtime.Redaction.Views;

namespace Secrets.Runtime.Redaction.Tests;

/// <summary>
/// A decoded view is searched only where a match can differ from the text it came from: the matches that start at most
/// the reach of a decoded character (the longest form that holds it) before it. A separator between decoded pieces is
/// in no form, so it reaches nothing. Against a search of the whole view, that must find every match that holds a
/// decoded character, and nothing the whole view lacks.
/// </summary>
public sealed class SecretRedactorViewSearchTests
{
    private static readonly RedactionOptions Options = new();

    [Fact]
    public void The_separator_reaches_no_form_unless_a_form_holds_it()
    {
        var values = GeneratedSecrets.Generate(seed: 5, count: 200);
        var tier = new RedactionTier(values.Select(Entry).ToList());
        Assert.Equal(0, tier.Reach(DecodedView.Separator));
        Assert.Equal(tier.MaxLength, tier.Reach('\u0100'));

        // A value that holds the separator (a noncharacter, which no tool should produce) is reached in full, built at
        // once or added to an extensible tier.
        var odd = "odd\uFFFFvalue-1234567";
        var longest = SecretForms.Registered(odd, Options).Where(f => f.Text.Contains(DecodedView.Separator, StringComparison.Ordinal)).Max(f => f.Text.Length);
        Assert.Equal(longest, new RedactionTier([Entry(odd)]).Reach(DecodedView.Separator));
        var extended = new RedactionTier([Entry(values[0])], extensible: true).Extend([Entry(odd)]);
        Assert.Equal(longest, extended.Reach(DecodedView.Separator));
    }

    [Theory]
    [InlineData(0, 24)]
    [InlineData(1, 24)]
    [InlineData(2, 24)]
    [InlineData(0, 2940)]
    [InlineData(1, 2940)]
    [InlineData(2, 2940)]
    public void The_search_near_changes_finds_every_match_of_the_whole_view_that_holds_a_decoded_character(int decoder, int window)
    {
        // Narrow windows cut lines into many pieces, so values sit right before and after separators, in and out of the
        // escapes' reach; values with punctuation decode to characters of every reach.
        var values = GeneratedSecrets.Generate(seed: 13, count: 90);
        var redactor = new SecretRedactor();
        redactor.AddRange(values.Select(v => new RedactionValue(v)));
        var random = new Random(17 + decoder);
        var decodedMatches = 0;
        for (var round = 0; round < 40; round++)
        {
            var text = Text(random, values, decoder);
            var view = new DecodedView(text.Length + 16);
            try
            {
                if (!TextDecoder.All[decoder].Decode(text, window, EscapeFilter.None, ref view))
                {
                    continue;
                }

                var near = Set(redactor.FindInView(view, whole: false));
                var whole = Set(redactor.FindInView(view, whole: true));
                Assert.Subset(whole, near);
                foreach (var hit in whole.Where(h => HoldsDecoded(view, h)))
                {
                    Assert.Contains(hit, near);
                    decodedMatches++;
                }
            }
            finally
            {
                view.Return();
            }
        }

        Assert.True(decodedMatches >= 40, $"only {decodedMatches} matches held a decoded character");
    }

    private static RedactionEntry Entry(string value) => new(value, null, SecretForms.Registered(value, Options), Options.MinimumValueLength);

    private static HashSet<RedactionHit> Set(List<RedactionHit>? hits) => [.. hits ?? []];

    private static bool HoldsDecoded(in DecodedView view, RedactionHit hit)
    {
        for (var i = 0; i < view.RelevantCount; i++)
        {
            var position = view.Relevant(i, out var decoded);
            if (decoded && position >= hit.Start && position < hit.End && view.Text[position] != DecodedView.Separator)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Lines of words and escapes of the decoder's kind, with values in the decoder's forms, in plain text and with an escaped character next to them.</summary>
    private static string Text(Random random, List<string> values, int decoder)
    {
        var builder = new StringBuilder();
        for (var line = 0; line < 12; line++)
        {
            for (var part = 0; part < 10; part++)
            {
                var value = values[random.Next(values.Count)];
                switch (random.Next(4))
                {
                    case 0:
                        builder.Append(Escaped(value, decoder));
                        break;
                    case 1:
                        builder.Append(value);
                        break;
                    case 2:
                        builder.Append(Escaped("\"/ +&<>!", decoder));
                        break;
                    default:
                        builder.Append("word").Append(random.Next(1000));
                        break;
                }

                builder.Append(random.Next(3) == 0 ? "" : " ");
            }

            builder.Append('\n');
        }

        return builder.ToString();
    }

    private static string Escaped(string value, int decoder) => decoder switch
    {
        0 => WebUtility.UrlEncode(value),
        1 => WebUtility.HtmlEncode(value).Replace("'", "&#39;", StringComparison.Ordinal),
        _ => JsonSerializer.Serialize(value)[1..^1],
    };
}
