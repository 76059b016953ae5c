using System.Globalization;

namespace VoiceAppliance.Workflows.Intents;

/// <summary>Where a word sequence stands in the command grammar (see <see cref="CommandCompleteness"/>).</summary>
public enum CompletenessKind
{
    /// <summary>The grammar is too large to tell (or was never built): treat as today, wait for the full silence window.</summary>
    Unsure,

    /// <summary>No sentence of the grammar is, or starts with, these words.</summary>
    None,

    /// <summary>A strict prefix of some sentence, not a sentence itself (<c>set a timer for</c>).</summary>
    Prefix,

    /// <summary>A sentence that some longer sentence continues (<c>set the volume to forty</c>: <c>five</c>, <c>percent</c> may follow).</summary>
    CompleteCanContinue,

    /// <summary>A sentence that no sentence of the grammar continues (<c>turn on the kitchen light</c>).</summary>
    CompleteFinal,
}

/// <summary>
/// Tells whether a word sequence of the grammar STT is a finished command: a trie of every sentence the grammar
/// accepts, in the grammar STT's words (lower case, numbers and number ranges spelled out as
/// <see cref="JsgfCompiler"/> spells them). Templates expand through the intents' own expander
/// (<see cref="TemplatePath"/>); number ranges branch into their spoken words. Past
/// <see cref="DefaultMaxSentences"/> sentences the trie is not built and every answer is
/// <see cref="CompletenessKind.Unsure"/>. Build once; thread-safe to read.
/// </summary>
public sealed class CommandCompleteness
{
    /// <summary>
    /// Sentences above which the grammar is too large to expand: every answer is <see cref="CompletenessKind.Unsure"/>
    /// (early endpointing then waits for the silence window). 50,000 bounds the trie to a few tens of MB at worst,
    /// which a 512 MB Pi Zero 2 W can spare; command grammars such as config/intents.json are far below it.
    /// </summary>
    public const int DefaultMaxSentences = 50_000;

    private static readonly char[] s_separators = [' ', '\t', '\n', '\r'];

    private readonly Node? _root;

    private CommandCompleteness(Node? root, long sentences)
    {
        _root = root;
        Sentences = sentences;
    }

    /// <summary>Sentences in the trie (0 when it was not built).</summary>
    public long Sentences { get; }

    /// <summary>Whether the grammar was small enough to expand (else every answer is <see cref="CompletenessKind.Unsure"/>).</summary>
    public bool IsBounded => _root is not null;

    /// <summary>Builds the trie from parsed templates; over <paramref name="maxSentences"/> it answers <see cref="CompletenessKind.Unsure"/>.</summary>
    public static CommandCompleteness Build(IEnumerable<SentenceTemplate> templates, int maxSentences = DefaultMaxSentences)
    {
        ArgumentNullException.ThrowIfNull(templates);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSentences);
        var root = new Node();
        long sentences = 0;
        foreach (var template in templates)
        {
            List<TemplatePath> paths;
            try
            {
                paths = TemplatePath.Expand(template, maxSentences);
            }
            catch (FormatException)
            {
                return new CommandCompleteness(null, 0);
            }

            foreach (var path in paths)
            {
                List<Node> frontier = [root];
                foreach (var element in path.Elements)
                {
                    // Checked before a range branches, so an oversized grammar never grows the trie.
                    var width = element.Range is { } r ? (long)(r.High - r.Low + 1) : 1;
                    if (sentences + (frontier.Count * width) > maxSentences)
                    {
                        return new CommandCompleteness(null, 0);
                    }

                    frontier = Step(frontier, element);
                    if (frontier.Count > maxSentences)
                    {
                        return new CommandCompleteness(null, 0);
                    }
                }

                foreach (var node in frontier)
                {
                    node.IsEnd = true;
                }

                sentences += frontier.Count;
                if (sentences > maxSentences)
                {
                    return new CommandCompleteness(null, 0);
                }
            }
        }

        return new CommandCompleteness(root, sentences);
    }

    /// <summary>Builds the trie from the sentence templates as written (an intents file's <c>Sentences</c>).</summary>
    /// <exception cref="FormatException">A template is invalid.</exception>
    public static CommandCompleteness Build(IEnumerable<string> templates, int maxSentences = DefaultMaxSentences)
    {
        ArgumentNullException.ThrowIfNull(templates);
        return Build(templates.Select(SentenceTemplate.Parse).ToList(), maxSentences);
    }

    /// <summary>Classifies a grammar-STT transcript (words separated by spaces, case ignored).</summary>
    public CompletenessKind Classify(string transcript)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        return Classify(transcript.ToLowerInvariant().Split(s_separators, StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Classifies a sequence of grammar words (lower case).</summary>
    public CompletenessKind Classify(IReadOnlyList<string> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        if (_root is null)
        {
            return CompletenessKind.Unsure;
        }

        if (words.Count == 0)
        {
            return CompletenessKind.None;
        }

        var node = _root;
        foreach (var word in words)
        {
            if (node.Children is null || !node.Children.TryGetValue(word, out var next))
            {
                return CompletenessKind.None;
            }

            node = next;
        }

        var canContinue = node.Children is { Count: > 0 };
        return node.IsEnd
            ? canContinue ? CompletenessKind.CompleteCanContinue : CompletenessKind.CompleteFinal
            : canContinue ? CompletenessKind.Prefix : CompletenessKind.None;
    }

    private static List<Node> Step(List<Node> frontier, TemplateElement element)
    {
        if (element.Range is { } range)
        {
            var spoken = new string[range.High - range.Low + 1][];
            for (var n = range.Low; n <= range.High; n++)
            {
                spoken[n - range.Low] = TextNormalizer.ToWords(n).Split(' ');
            }

            var next = new List<Node>(frontier.Count * spoken.Length);
            foreach (var node in frontier)
            {
                foreach (var words in spoken)
                {
                    next.Add(node.Walk(words));
                }
            }

            return next;
        }

        // A digit word is spoken as JsgfCompiler spells it ("2" -> "two").
        var word = element.Word!;
        var spelled = int.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number < 1_000_000
            ? TextNormalizer.ToWords(number).Split(' ')
            : [word];
        var result = new List<Node>(frontier.Count);
        foreach (var node in frontier)
        {
            result.Add(node.Walk(spelled));
        }

        return result;
    }

    private sealed class Node
    {
        public Dictionary<string, Node>? Children { get; private set; }

        public bool IsEnd { get; set; }

        public Node Walk(string[] words)
        {
            var node = this;
            foreach (var word in words)
            {
                node.Children ??= new Dictionary<string, Node>(StringComparer.Ordinal);
                if (!node.Children.TryGetValue(word, out var next))
                {
                    next = new Node();
                    node.Children.Add(word, next);
                }

                node = next;
            }

            return node;
        }
    }
}
