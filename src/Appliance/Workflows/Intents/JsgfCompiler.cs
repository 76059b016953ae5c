using System.Globalization;
using System.Text;

namespace VoiceAppliance.Workflows.Intents;

/// <summary>Compiles templates to JSGF for the grammar STT: words lower case, numbers spelled out.</summary>
public static class JsgfCompiler
{
    /// <summary>A JSGF grammar whose public rule <c>&lt;command&gt;</c> accepts every sentence of every intent.</summary>
    /// <param name="intents">Intent names and their templates.</param>
    /// <param name="grammarName">The grammar's name.</param>
    public static string Compile(IEnumerable<(string Intent, IReadOnlyList<SentenceTemplate> Sentences)> intents, string grammarName = "appliance")
    {
        ArgumentNullException.ThrowIfNull(intents);
        var sb = new StringBuilder();
        sb.Append("#JSGF V1.0;\n\ngrammar ").Append(RuleName(grammarName)).Append(";\n\n");
        var ranges = new SortedSet<(int, int)>();
        var rules = new List<string>();
        var body = new StringBuilder();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (intent, sentences) in intents)
        {
            var rule = RuleName(intent);
            while (!used.Add(rule))
            {
                rule += "_";
            }

            rules.Add(rule);
            body.Append('<').Append(rule).Append("> = ");
            body.AppendJoin(" | ", sentences.Select(s => "( " + Render(s.Root, ranges) + " )"));
            body.Append(";\n");
        }

        sb.Append("public <command> = ").AppendJoin(" | ", rules.Select(r => "<" + r + ">")).Append(";\n\n");
        sb.Append(body);
        foreach (var (lo, hi) in ranges)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<number_{lo}_{hi}> = ")
                .AppendJoin(" | ", Enumerable.Range(lo, hi - lo + 1).Select(TextNormalizer.ToWords))
                .Append(";\n");
        }

        return sb.ToString();
    }

    private static string Render(TemplateNode node, SortedSet<(int, int)> ranges) => node switch
    {
        TemplateNode.Word w => SpellWord(w.Text),
        TemplateNode.NumberRange r => Range(r, ranges),
        TemplateNode.Sequence s => string.Join(' ', s.Items.Select(i => Render(i, ranges))),
        TemplateNode.Group { Optional: true } g => "[ " + string.Join(" | ", g.Alternatives.Select(a => Render(a, ranges))) + " ]",
        TemplateNode.Group g => "( " + string.Join(" | ", g.Alternatives.Select(a => Render(a, ranges))) + " )",
        _ => throw new InvalidOperationException("unknown template node"),
    };

    private static string Range(TemplateNode.NumberRange r, SortedSet<(int, int)> ranges)
    {
        ranges.Add((r.Low, r.High));
        return string.Create(CultureInfo.InvariantCulture, $"<number_{r.Low}_{r.High}>");
    }

    private static string SpellWord(string word) =>
        int.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n < 1_000_000 ? TextNormalizer.ToWords(n) : word;

    private static string RuleName(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        }

        return sb.Length == 0 ? "intent" : sb.ToString();
    }
}
