using System.Text;

namespace VoiceAppliance.Models.Text;

/// <summary>
/// Splits reply text into sentences for streaming synthesis, the one splitter of the project: the pipeline feeds it
/// a workflow's reply as it arrives in pieces (<see cref="Append"/>, <see cref="Flush"/>) so synthesis starts on the
/// first sentence while the rest is still generated, and Piper splits whole texts with <see cref="Split"/>.
/// <para>
/// A sentence ends at <c>. ! ? …</c> (and a run of them, closing quotes or brackets) followed by white space or the
/// end of the text, and at a line break (a blank line only, for <see cref="Split"/> and when constructed with
/// <c>singleLineBreakEndsSentence: false</c>: hard-wrapped text keeps its sentences whole). Decimal numbers ("3.5"),
/// single-letter initials ("J. Smith") and common abbreviations ("Dr.", "e.g.", "No.") do not end a sentence. Each
/// sentence keeps its final punctuation (Debian's libespeak-ng 1.51 has no
/// <c>espeak_TextToPhonemesWithTerminator</c>, so the terminator must survive in the text), has its white space
/// runs' characters replaced by spaces, and is trimmed. Sentences longer than <see cref="MaxSentenceLength"/> are cut
/// at the last clause mark (or, failing that, space) before it, so the text held back and the work per sentence are
/// bounded whatever the input.
/// </para>
/// One instance per reply; not thread-safe.
/// </summary>
public sealed class SentenceSplitter
{
    /// <summary>Longest sentence handed to the synthesizer; longer runs are split at a comma or space.</summary>
    public const int MaxSentenceLength = 250;

    /// <summary>Longest abbreviation in <see cref="s_abbreviations"/>, so a longer word is rejected without a lookup.</summary>
    private const int MaxAbbreviationLength = 8;

    private static readonly HashSet<string> s_abbreviations = new(StringComparer.OrdinalIgnoreCase)
    {
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "approx", "no", "fig", "mt", "ft", "ave", "inc", "ltd", "co",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> s_abbreviationLookup = s_abbreviations.GetAlternateLookup<ReadOnlySpan<char>>();

    private readonly StringBuilder _pending = new();
    private readonly bool _singleLineBreakEndsSentence;

    /// <summary>
    /// Creates a streaming splitter. <paramref name="singleLineBreakEndsSentence"/> true (the pipeline's replies):
    /// every line break ends a sentence; false: only a blank line does, a single line break is a space.
    /// </summary>
    public SentenceSplitter(bool singleLineBreakEndsSentence = true) => _singleLineBreakEndsSentence = singleLineBreakEndsSentence;

    /// <summary>
    /// The sentences of a whole <paramref name="text"/>, trimmed, without empty ones; blank lines end sentences,
    /// single line breaks do not.
    /// </summary>
    public static IReadOnlyList<string> Split(string? text)
    {
        var result = new List<string>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return result;
        }

        var splitter = new SentenceSplitter(singleLineBreakEndsSentence: false);
        splitter.Append(text, result);
        splitter.Flush(result);
        return result;
    }

    /// <summary>
    /// Adds <paramref name="piece"/> and appends each sentence it completes to <paramref name="sentences"/>.
    /// A terminator (or line break) at the very end of the text so far is held back until the next piece shows
    /// what follows it ("3." may continue as "3.5").
    /// </summary>
    public void Append(string piece, List<string> sentences)
    {
        ArgumentNullException.ThrowIfNull(piece);
        ArgumentNullException.ThrowIfNull(sentences);
        _pending.Append(piece);
        Scan(sentences, final: false);
    }

    /// <summary>Appends the sentences still held, the rest of the text last; the splitter is then empty.</summary>
    public void Flush(List<string> sentences)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        Scan(sentences, final: true);
        Emit(sentences, 0, _pending.Length);
        _pending.Clear();
    }

    private static bool IsTerminator(char c) => c is '.' or '!' or '?' or '…';

    private static bool ContinuesTerminator(char c) => IsTerminator(c) || c is '"' or '\'' or ')' or ']' or '\u201D' or '\u2019' or '»';

    private void Scan(List<string> sentences, bool final)
    {
        var start = 0;
        var i = 0;
        while (i < _pending.Length)
        {
            if (i - start >= MaxSentenceLength)
            {
                start = CutLong(sentences, start, i);
                continue;
            }

            var c = _pending[i];
            if (c is '\n' or '\r')
            {
                if (_singleLineBreakEndsSentence)
                {
                    Emit(sentences, start, i);
                    start = i + 1;
                }
                else if (c == '\n')
                {
                    if (i + 1 >= _pending.Length && !final)
                    {
                        break; // wait: the next piece may make it a blank line
                    }

                    if (i + 1 < _pending.Length && _pending[i + 1] is '\n' or '\r')
                    {
                        Emit(sentences, start, i);
                        start = i + 1;
                    }
                }

                i++;
                continue;
            }

            if (!IsTerminator(c))
            {
                i++;
                continue;
            }

            var end = i + 1;
            while (end < _pending.Length && end - start < MaxSentenceLength && ContinuesTerminator(_pending[end]))
            {
                end++;
            }

            if (end >= _pending.Length)
            {
                if (!final)
                {
                    break; // wait: the next piece may continue "3." into "3.5"
                }
            }
            else if (!char.IsWhiteSpace(_pending[end]))
            {
                i = end;
                continue;
            }

            if (c == '.' && IsAbbreviation(start, i))
            {
                i = end;
                continue;
            }

            Emit(sentences, start, end);
            start = end;
            i = end;
        }

        _pending.Remove(0, start);
    }

    /// <summary>Emits the first part of [start, end), which is <see cref="MaxSentenceLength"/> long; returns where the rest starts.</summary>
    private int CutLong(List<string> sentences, int start, int end)
    {
        var cut = LastIndex(start, end, clauseMark: true);
        if (cut - start < MaxSentenceLength / 2)
        {
            cut = LastIndex(start, end, clauseMark: false);
        }

        if (cut <= start)
        {
            cut = end - 1;
        }

        Emit(sentences, start, cut + 1);
        return cut + 1;
    }

    private int LastIndex(int start, int end, bool clauseMark)
    {
        for (var i = end - 1; i >= start; i--)
        {
            var c = _pending[i];
            if (clauseMark ? c is ',' or ';' or ':' : char.IsWhiteSpace(c))
            {
                return i;
            }
        }

        return -1;
    }

    private bool IsAbbreviation(int sentenceStart, int dot)
    {
        var wordStart = dot;
        while (wordStart > sentenceStart && !char.IsWhiteSpace(_pending[wordStart - 1]))
        {
            wordStart--;
        }

        while (wordStart < dot && _pending[wordStart] is '(' or '"' or '\'')
        {
            wordStart++;
        }

        var length = dot - wordStart;
        if (length == 0 || length > MaxAbbreviationLength)
        {
            return false;
        }

        if (length == 1 && char.IsUpper(_pending[wordStart]))
        {
            return true; // an initial: "J. Smith"
        }

        Span<char> word = stackalloc char[MaxAbbreviationLength];
        _pending.CopyTo(wordStart, word, length);
        return s_abbreviationLookup.Contains(word[..length]);
    }

    private void Emit(List<string> sentences, int start, int end)
    {
        var length = end - start;
        if (length <= 0)
        {
            return;
        }

        var chars = length <= 256 ? stackalloc char[length] : new char[length];
        _pending.CopyTo(start, chars, length);
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsWhiteSpace(chars[i]))
            {
                chars[i] = ' ';
            }
        }

        var text = chars.Trim(' ');
        if (!text.IsEmpty)
        {
            sentences.Add(new string(text));
        }
    }
}
