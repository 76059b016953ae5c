using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace VoiceAppliance.Models.Grammar;

/// <summary>
/// Builds and inspects JSGF grammars for <see cref="GrammarSpeechToText"/>. Command templates use the
/// Rhasspy-style syntax: <c>(a|b)</c> alternatives, <c>[x]</c> optional words and <c>{tag}</c> names that the
/// recogniser ignores, for example <c>turn (on|off){state} the (kitchen|bedroom){room} light</c>.
/// </summary>
public static partial class JsgfGrammar
{
    /// <summary>
    /// A JSGF grammar with one public rule <c>&lt;command&gt;</c> matching any of <paramref name="sentences"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A sentence is empty, has unbalanced brackets or characters JSGF cannot carry.</exception>
    public static string FromSentences(IEnumerable<string> sentences, string grammarName = "commands")
    {
        ArgumentNullException.ThrowIfNull(sentences);
        if (!GrammarName().IsMatch(grammarName))
        {
            throw new ArgumentException($"JSGF grammar name '{grammarName}' must be letters, digits and underscores.", nameof(grammarName));
        }

        var alternatives = new List<string>();
        foreach (var sentence in sentences)
        {
            alternatives.Add(TemplateToJsgf(sentence));
        }

        if (alternatives.Count == 0)
        {
            throw new ArgumentException("A command grammar needs at least one sentence.", nameof(sentences));
        }

        var sb = new StringBuilder();
        sb.Append("#JSGF V1.0;\n");
        sb.Append(CultureInfo.InvariantCulture, $"grammar {grammarName};\n");
        sb.Append("public <command> = ");
        sb.AppendJoin("\n    | ", alternatives.Select(a => "( " + a + " )"));
        sb.Append(";\n");
        return sb.ToString();
    }

    /// <summary>The distinct words (terminals) of a JSGF grammar, lower-cased, in first-seen order.</summary>
    public static IReadOnlyList<string> Words(string jsgf)
    {
        ArgumentNullException.ThrowIfNull(jsgf);
        var words = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var body = Comment().Replace(jsgf, " ");
        foreach (var statement in body.Split(';'))
        {
            var s = statement.Trim();
            var eq = s.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                continue; // header, grammar name, import
            }

            var rhs = Tag().Replace(s[(eq + 1)..], " ");
            rhs = RuleRef().Replace(rhs, " ");
            rhs = Weight().Replace(rhs, " ");
            foreach (var token in rhs.Split([' ', '\t', '\n', '\r', '(', ')', '[', ']', '|', '*', '+'], StringSplitOptions.RemoveEmptyEntries))
            {
                var word = token.Trim('"').ToLowerInvariant();
                if (word.Length > 0 && seen.Add(word))
                {
                    words.Add(word);
                }
            }
        }

        return words;
    }

    private static string TemplateToJsgf(string sentence)
    {
        if (string.IsNullOrWhiteSpace(sentence))
        {
            throw new ArgumentException("A command sentence is empty.", nameof(sentence));
        }

        var text = Tag().Replace(sentence, " ").ToLowerInvariant();
        var depth = 0;
        var sb = new StringBuilder();
        foreach (var c in text)
        {
            switch (c)
            {
                case '(' or '[':
                    depth++;
                    sb.Append(' ').Append(c).Append(' ');
                    break;
                case ')' or ']':
                    depth--;
                    if (depth < 0)
                    {
                        throw new ArgumentException($"Command sentence '{sentence}' has a closing bracket without an opening one.", nameof(sentence));
                    }

                    sb.Append(' ').Append(c).Append(' ');
                    break;
                case '|':
                    sb.Append(" | ");
                    break;
                case '\'' or '-':
                    sb.Append(c);
                    break;
                default:
                    if (char.IsLetterOrDigit(c) || char.IsWhiteSpace(c))
                    {
                        sb.Append(char.IsWhiteSpace(c) ? ' ' : c);
                    }
                    else if (c is '.' or ',' or '?' or '!')
                    {
                        sb.Append(' ');
                    }
                    else
                    {
                        throw new ArgumentException($"Command sentence '{sentence}' contains '{c}', which a JSGF grammar cannot carry; use words, (a|b), [optional] and {{tags}}.", nameof(sentence));
                    }

                    break;
            }
        }

        if (depth != 0)
        {
            throw new ArgumentException($"Command sentence '{sentence}' has unbalanced brackets.", nameof(sentence));
        }

        return string.Join(' ', sb.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex GrammarName();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Tag();

    [GeneratedRegex(@"<[^>]*>")]
    private static partial Regex RuleRef();

    [GeneratedRegex(@"/[0-9.eE+-]+/")]
    private static partial Regex Weight();
}
