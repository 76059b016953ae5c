using System.Globalization;
using System.Text;

namespace VoiceAppliance.Workflows.Intents;

/// <summary>
/// A Rhasspy-style sentence template, parsed: words, <c>(a | b)</c> alternatives, <c>[optional words]</c>,
/// number ranges <c>(0..100)</c>, and slot tags <c>{name}</c> after a word or group, for example
/// <c>turn (on | off){state} the (kitchen | bedroom){room} light</c> or
/// <c>set the volume to (0..100){level} [percent]</c>.
/// </summary>
public sealed class SentenceTemplate
{
    /// <summary>Largest number range a template may hold (the grammar lists every number).</summary>
    public const int MaxRangeSize = 1000;

    private SentenceTemplate(string text, TemplateNode.Sequence root)
    {
        Text = text;
        Root = root;
    }

    /// <summary>The template as written.</summary>
    public string Text { get; }

    internal TemplateNode.Sequence Root { get; }

    /// <summary>Slot names the template defines.</summary>
    public IReadOnlySet<string> SlotNames
    {
        get
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            Collect(Root, names);
            return names;
        }
    }

    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> naming the template, the position and the problem.</summary>
    public static SentenceTemplate Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(text);
        var root = parser.ParseSequence(topLevel: true);
        if (root.Items.Count == 0)
        {
            throw new FormatException($"The sentence template '{text}' has no words.");
        }

        return new SentenceTemplate(text, root);
    }

    private static void Collect(TemplateNode node, HashSet<string> names)
    {
        if (node.Slot is { } slot)
        {
            names.Add(slot);
        }

        switch (node)
        {
            case TemplateNode.Sequence s:
                foreach (var item in s.Items)
                {
                    Collect(item, names);
                }

                break;
            case TemplateNode.Group g:
                foreach (var alt in g.Alternatives)
                {
                    Collect(alt, names);
                }

                break;
            default:
                break;
        }
    }

    private sealed class Parser(string text)
    {
        private int _pos;

        public TemplateNode.Sequence ParseSequence(bool topLevel)
        {
            var items = new List<TemplateNode>();
            while (true)
            {
                SkipSpaces();
                if (_pos >= text.Length)
                {
                    if (!topLevel)
                    {
                        throw Error("a group is not closed; add ')' or ']'");
                    }

                    break;
                }

                var c = text[_pos];
                if (c is '|' or ')' or ']')
                {
                    if (topLevel)
                    {
                        throw Error($"'{c}' outside a group; put alternatives inside ( ) or [ ]");
                    }

                    break;
                }

                TemplateNode item;
                if (c is '(' or '[')
                {
                    item = ParseGroup();
                }
                else if (c == '{')
                {
                    throw Error("a slot tag {name} must follow a word or a group");
                }
                else
                {
                    item = ParseWords();
                }

                items.Add(WithSlot(item));
            }

            return new TemplateNode.Sequence(items);
        }

        private TemplateNode ParseGroup()
        {
            var open = text[_pos++];
            var close = open == '(' ? ')' : ']';
            var start = _pos;

            // number range: (0..100)
            var end = text.IndexOf(close, _pos);
            if (end > 0 && text.AsSpan(_pos, end - _pos).Contains("..", StringComparison.Ordinal) && text.AsSpan(_pos, end - _pos).IndexOfAny("([") < 0)
            {
                var inner = text[_pos..end].Trim();
                var parts = inner.Split("..");
                if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var lo)
                    || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var hi) || hi < lo)
                {
                    throw Error($"'{inner}' is not a number range; write (low..high) with whole numbers, low <= high");
                }

                if (hi - lo + 1 > MaxRangeSize)
                {
                    throw Error($"the range {lo}..{hi} has more than {MaxRangeSize} numbers; narrow it");
                }

                _pos = end + 1;
                TemplateNode range = new TemplateNode.NumberRange(lo, hi);
                return open == '[' ? new TemplateNode.Group([new TemplateNode.Sequence([range])], Optional: true) : range;
            }

            var alternatives = new List<TemplateNode.Sequence>();
            while (true)
            {
                alternatives.Add(ParseSequence(topLevel: false));
                var c = text[_pos++];
                if (c == '|')
                {
                    continue;
                }

                if (c != close)
                {
                    _pos--;
                    throw Error($"'{open}' at position {start} is closed by '{c}'; close it with '{close}'");
                }

                break;
            }

            if (alternatives.All(a => a.Items.Count == 0))
            {
                throw Error("an empty group; put words inside it or remove it");
            }

            return new TemplateNode.Group(alternatives, Optional: open == '[');
        }

        private TemplateNode ParseWords()
        {
            var start = _pos;
            while (_pos < text.Length && !char.IsWhiteSpace(text[_pos]) && text[_pos] is not ('(' or '[' or ')' or ']' or '|' or '{'))
            {
                _pos++;
            }

            var tokens = TextNormalizer.Tokenize(text[start.._pos]);
            if (tokens.Length == 0)
            {
                throw Error($"'{text[start.._pos]}' has no letters or digits");
            }

            return tokens.Length == 1
                ? new TemplateNode.Word(tokens[0])
                : new TemplateNode.Sequence([.. tokens.Select(t => (TemplateNode)new TemplateNode.Word(t))]);
        }

        private TemplateNode WithSlot(TemplateNode item)
        {
            if (_pos >= text.Length || text[_pos] != '{')
            {
                return item;
            }

            var end = text.IndexOf('}', _pos);
            if (end < 0)
            {
                throw Error("a slot tag is not closed; add '}'");
            }

            var name = text[(_pos + 1)..end].Trim();
            if (name.Length == 0 || !name.All(ch => char.IsLetterOrDigit(ch) || ch == '_'))
            {
                throw Error($"'{{{name}}}' is not a slot name; use letters, digits and '_'");
            }

            _pos = end + 1;
            return item with { Slot = name };
        }

        private void SkipSpaces()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos]))
            {
                _pos++;
            }
        }

        private FormatException Error(string problem) =>
            new($"The sentence template '{text}' is invalid at position {_pos}: {problem}.");
    }
}

/// <summary>The parsed shape of a template.</summary>
internal abstract record TemplateNode
{
    public string? Slot { get; init; }

    public sealed record Word(string Text) : TemplateNode;

    public sealed record NumberRange(int Low, int High) : TemplateNode;

    public sealed record Sequence(IReadOnlyList<TemplateNode> Items) : TemplateNode;

    public sealed record Group(IReadOnlyList<Sequence> Alternatives, bool Optional) : TemplateNode;
}

/// <summary>One expansion of a template: a flat list of elements, each a word or a number range, with the slots it belongs to.</summary>
internal sealed record TemplatePath(TemplateElement[] Elements)
{
    public static List<TemplatePath> Expand(SentenceTemplate template, int limit)
    {
        var results = new List<List<TemplateElement>> { new() };
        results = Expand(template.Root, results, [], limit, template.Text);
        return [.. results.Select(r => new TemplatePath([.. r]))];
    }

    private static List<List<TemplateElement>> Expand(TemplateNode node, List<List<TemplateElement>> prefixes, string[] slots, int limit, string text)
    {
        if (node.Slot is { } slot)
        {
            slots = [.. slots, slot];
        }

        switch (node)
        {
            case TemplateNode.Word w:
                foreach (var p in prefixes)
                {
                    p.Add(new TemplateElement(w.Text, null, slots));
                }

                return prefixes;
            case TemplateNode.NumberRange r:
                foreach (var p in prefixes)
                {
                    p.Add(new TemplateElement(null, r, slots));
                }

                return prefixes;
            case TemplateNode.Sequence s:
                foreach (var item in s.Items)
                {
                    prefixes = Expand(item, prefixes, slots, limit, text);
                }

                return prefixes;
            case TemplateNode.Group g:
                var all = new List<List<TemplateElement>>();
                if (g.Optional)
                {
                    all.AddRange(prefixes.Select(p => new List<TemplateElement>(p)));
                }

                foreach (var alt in g.Alternatives)
                {
                    var copies = prefixes.Select(p => new List<TemplateElement>(p)).ToList();
                    all.AddRange(Expand(alt, copies, slots, limit, text));
                    if (all.Count > limit)
                    {
                        throw new FormatException($"The sentence template '{text}' expands to more than {limit} sentences; split it into several templates.");
                    }
                }

                return all;
            default:
                throw new InvalidOperationException("unknown template node");
        }
    }
}

/// <summary>A word (or a number range) of an expanded template, with the slots it belongs to.</summary>
internal sealed record TemplateElement(string? Word, TemplateNode.NumberRange? Range, string[] Slots)
{
    public override string ToString() => Word ?? string.Create(CultureInfo.InvariantCulture, $"({Range!.Low}..{Range.High})");
}
