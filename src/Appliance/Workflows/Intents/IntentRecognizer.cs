using System.Globalization;
using System.Text;

namespace VoiceAppliance.Workflows.Intents;

/// <summary>
/// Matches transcripts against intents' sentence templates, offline. Both sides are normalised
/// (<see cref="TextNormalizer"/>), then each expansion of each template is aligned with the transcript
/// by a word-level edit distance in which a near-spelled word ("lite" for "light") costs less than a
/// wrong one and a number range accepts any number inside it. The best expansion wins if its score,
/// 1 - cost / longer length, reaches the minimum score. Build once; thread-safe.
/// </summary>
public sealed class IntentRecognizer
{
    /// <summary>Expansions allowed per template.</summary>
    public const int MaxExpansionsPerTemplate = 20_000;

    private readonly List<(string Intent, string Sentence, TemplatePath Path)> _paths = [];
    private readonly List<(string Intent, IReadOnlyList<SentenceTemplate> Sentences)> _intents = [];
    private readonly double _minScore;

    /// <summary>Builds a recognizer over <paramref name="intents"/>' sentences; throws <see cref="FormatException"/> naming a bad template.</summary>
    public IntentRecognizer(IEnumerable<(string Intent, IEnumerable<string> Sentences)> intents, double minScore = 0.75)
    {
        ArgumentNullException.ThrowIfNull(intents);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(minScore, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minScore, 1);
        _minScore = minScore;
        foreach (var (intent, sentences) in intents)
        {
            var parsed = new List<SentenceTemplate>();
            foreach (var sentence in sentences)
            {
                SentenceTemplate template;
                try
                {
                    template = SentenceTemplate.Parse(sentence);
                }
                catch (FormatException ex)
                {
                    throw new FormatException($"Intent '{intent}': {ex.Message}", ex);
                }

                parsed.Add(template);
                foreach (var path in TemplatePath.Expand(template, MaxExpansionsPerTemplate))
                {
                    _paths.Add((intent, sentence, path));
                }
            }

            _intents.Add((intent, parsed));
        }
    }

    /// <summary>The best match for <paramref name="transcript"/>, or null when nothing scores the minimum.</summary>
    public IntentMatch? Recognize(string transcript)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        var tokens = TextNormalizer.Tokenize(transcript);
        if (tokens.Length == 0)
        {
            return null;
        }

        IntentMatch? best = null;
        foreach (var (intent, sentence, path) in _paths)
        {
            var maxLength = Math.Max(tokens.Length, path.Elements.Length);
            var (cost, aligned) = Align(tokens, path.Elements, bound: (1 - _minScore) * maxLength);
            if (aligned is null)
            {
                continue;
            }

            var score = 1 - (cost / maxLength);
            if (score >= _minScore && (best is null || score > best.Score))
            {
                best = new IntentMatch(intent, Slots(path.Elements, tokens, aligned), score, sentence);
                if (score >= 1)
                {
                    break;
                }
            }
        }

        return best;
    }

    /// <summary>The intents as a JSGF grammar for the grammar STT (see <see cref="JsgfCompiler"/>).</summary>
    public string ToJsgf(string grammarName = "appliance") => JsgfCompiler.Compile(_intents, grammarName);

    /// <summary>Whether grammar-STT transcripts are finished commands of these intents (see <see cref="CommandCompleteness"/>).</summary>
    public CommandCompleteness BuildCompleteness(int maxSentences = CommandCompleteness.DefaultMaxSentences) =>
        CommandCompleteness.Build(_intents.SelectMany(i => i.Sentences), maxSentences);

    /// <summary>
    /// Weighted edit distance between the transcript and a template path; returns for each element the
    /// transcript token aligned to it (-1 when deleted), or null when the cost exceeds <paramref name="bound"/>.
    /// </summary>
    private static (double Cost, int[]? Aligned) Align(string[] tokens, TemplateElement[] elements, double bound)
    {
        var n = tokens.Length;
        var m = elements.Length;
        if (Math.Abs(n - m) > bound + 1e-9)
        {
            return (double.MaxValue, null);
        }

        var d = new double[n + 1, m + 1];
        for (var i = 0; i <= n; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= m; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= n; i++)
        {
            for (var j = 1; j <= m; j++)
            {
                var sub = d[i - 1, j - 1] + Substitution(tokens[i - 1], elements[j - 1]);
                d[i, j] = Math.Min(sub, Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1));
            }
        }

        if (d[n, m] > bound + 1e-9)
        {
            return (d[n, m], null);
        }

        var aligned = new int[m];
        Array.Fill(aligned, -1);
        int a = n, b = m;
        while (a > 0 && b > 0)
        {
            if (Math.Abs(d[a, b] - (d[a - 1, b - 1] + Substitution(tokens[a - 1], elements[b - 1]))) < 1e-9)
            {
                aligned[b - 1] = a - 1;
                a--;
                b--;
            }
            else if (Math.Abs(d[a, b] - (d[a - 1, b] + 1)) < 1e-9)
            {
                a--;
            }
            else
            {
                b--;
            }
        }

        return (d[n, m], aligned);
    }

    private static double Substitution(string token, TemplateElement element)
    {
        if (element.Range is { } range)
        {
            return int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= range.Low && v <= range.High ? 0 : 1;
        }

        var word = element.Word!;
        if (string.Equals(token, word, StringComparison.Ordinal))
        {
            return 0;
        }

        // Near spellings cost in proportion to their character distance; short words must match exactly.
        if (word.Length < 4 || token.Length < 3 || char.IsDigit(word[0]) || char.IsDigit(token[0]))
        {
            return 1;
        }

        var distance = CharDistance(token, word);
        var similarity = 1 - ((double)distance / Math.Max(token.Length, word.Length));
        return similarity >= 0.6 ? Math.Min(1, distance * 0.25) : 1;
    }

    private static int CharDistance(string a, string b)
    {
        Span<int> prev = stackalloc int[b.Length + 1];
        Span<int> cur = stackalloc int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            prev[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            cur.CopyTo(prev);
        }

        return prev[b.Length];
    }

    private static Dictionary<string, string> Slots(TemplateElement[] elements, string[] tokens, int[] aligned)
    {
        var values = new Dictionary<string, StringBuilder>(StringComparer.Ordinal);
        for (var j = 0; j < elements.Length; j++)
        {
            var e = elements[j];
            if (e.Slots.Length == 0)
            {
                continue;
            }

            var value = e.Range is null ? e.Word : aligned[j] >= 0 ? tokens[aligned[j]] : null;
            foreach (var slot in e.Slots)
            {
                if (!values.TryGetValue(slot, out var sb))
                {
                    values[slot] = sb = new StringBuilder();
                }

                if (value is not null)
                {
                    if (sb.Length > 0)
                    {
                        sb.Append(' ');
                    }

                    sb.Append(value);
                }
            }
        }

        return values.ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.Ordinal);
    }
}
