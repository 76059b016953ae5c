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

    /// <summary>
    /// Every pair of words the grammar lets follow one another directly (across optional parts, groups and rule
    /// references), lower-cased: ("what", "time") for <c>what time is it</c>. Used to give a word that ends in a stop
    /// its connected-speech pronunciation where the next word starts with a stop made at the same place
    /// (<see cref="GrammarSpeechToText"/>). A grammar this reader does not follow (unbalanced brackets, a rule that refers
    /// to itself) gives the pairs it could read; an unknown rule reference counts as empty.
    /// </summary>
    public static IReadOnlySet<(string First, string Second)> WordPairs(string jsgf)
    {
        ArgumentNullException.ThrowIfNull(jsgf);
        var rules = new Dictionary<string, string>(StringComparer.Ordinal);
        var publicRules = new List<string>();
        foreach (var statement in Comment().Replace(jsgf, " ").Split(';'))
        {
            var s = statement.Trim();
            var eq = s.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                continue;
            }

            var head = s[..eq].Trim();
            var name = RuleRef().Match(head);
            if (!name.Success)
            {
                continue;
            }

            rules[name.Value] = Weight().Replace(Tag().Replace(s[(eq + 1)..], " "), " ");
            if (head.StartsWith("public", StringComparison.Ordinal))
            {
                publicRules.Add(name.Value);
            }
        }

        var reader = new PairReader(rules);
        foreach (var rule in publicRules.Count > 0 ? publicRules : [.. rules.Keys])
        {
            reader.Rule(rule);
        }

        return reader.Pairs;
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

    /// <summary>First words, last words, whether it can be empty: what a part of a rule shows the parts around it.</summary>
    private sealed record Span(HashSet<string> First, HashSet<string> Last, bool Empty)
    {
        public static Span Nothing() => new([], [], true);
    }

    /// <summary>Reads rule bodies (alternatives, sequences, groups, optionals, <c>*</c> and <c>+</c>, references) into word pairs.</summary>
    private sealed class PairReader(Dictionary<string, string> rules)
    {
        private readonly Dictionary<string, Span> _done = new(StringComparer.Ordinal);
        private readonly HashSet<string> _reading = new(StringComparer.Ordinal);
        private List<string> _tokens = [];
        private int _at;

        public HashSet<(string, string)> Pairs { get; } = [];

        public Span Rule(string name)
        {
            if (_done.TryGetValue(name, out var known))
            {
                return known;
            }

            if (!rules.TryGetValue(name, out var body) || !_reading.Add(name))
            {
                return Span.Nothing(); // unknown, or a rule that refers to itself
            }

            var (tokens, at) = (_tokens, _at);
            _tokens = Tokens(body);
            _at = 0;
            var span = Alternatives();
            (_tokens, _at) = (tokens, at);
            _reading.Remove(name);
            _done[name] = span;
            return span;
        }

        private static List<string> Tokens(string body)
        {
            var tokens = new List<string>();
            var word = new StringBuilder();
            for (var i = 0; i < body.Length; i++)
            {
                var c = body[i];
                if (c == '<')
                {
                    Flush();
                    var end = body.IndexOf('>', i);
                    end = end < 0 ? body.Length - 1 : end;
                    tokens.Add(body[i..(end + 1)]);
                    i = end;
                }
                else if (c is '(' or ')' or '[' or ']' or '|' or '*' or '+')
                {
                    Flush();
                    tokens.Add(c.ToString());
                }
                else if (char.IsWhiteSpace(c) || c == '"')
                {
                    Flush();
                }
                else
                {
                    word.Append(char.ToLowerInvariant(c));
                }
            }

            Flush();
            return tokens;

            void Flush()
            {
                if (word.Length > 0)
                {
                    tokens.Add(word.ToString());
                    word.Clear();
                }
            }
        }

        private Span Alternatives()
        {
            var span = Sequence();
            while (_at < _tokens.Count && _tokens[_at] == "|")
            {
                _at++;
                var next = Sequence();
                span.First.UnionWith(next.First);
                span.Last.UnionWith(next.Last);
                span = span with { Empty = span.Empty || next.Empty };
            }

            return span;
        }

        private Span Sequence()
        {
            var first = new HashSet<string>(StringComparer.Ordinal);
            var last = new HashSet<string>(StringComparer.Ordinal);
            var empty = true;
            while (_at < _tokens.Count && _tokens[_at] is not ("|" or ")" or "]"))
            {
                var item = Item();
                foreach (var a in last)
                {
                    foreach (var b in item.First)
                    {
                        Pairs.Add((a, b));
                    }
                }

                if (empty)
                {
                    first.UnionWith(item.First);
                }

                if (item.Empty)
                {
                    last.UnionWith(item.Last);
                }
                else
                {
                    last = [.. item.Last];
                }

                empty &= item.Empty;
            }

            return new Span(first, last, empty);
        }

        private Span Item()
        {
            var token = _tokens[_at++];
            Span span;
            switch (token)
            {
                case "(" or "[":
                    span = Alternatives();
                    if (_at < _tokens.Count && _tokens[_at] is ")" or "]")
                    {
                        _at++;
                    }

                    span = token == "[" ? span with { Empty = true } : span;
                    break;
                case "*" or "+":
                    return Span.Nothing(); // a stray operator: nothing to read
                default:
                    if (token[0] == '<')
                    {
                        var rule = Rule(token);
                        span = new Span([.. rule.First], [.. rule.Last], rule.Empty);
                    }
                    else
                    {
                        span = new Span([token], [token], false);
                    }

                    break;
            }

            while (_at < _tokens.Count && _tokens[_at] is "*" or "+")
            {
                // Repeated: its last words run into its first ones.
                foreach (var a in span.Last)
                {
                    foreach (var b in span.First)
                    {
                        Pairs.Add((a, b));
                    }
                }

                span = _tokens[_at++] == "*" ? span with { Empty = true } : span;
            }

            return span;
        }
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
