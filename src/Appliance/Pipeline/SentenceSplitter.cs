using System.Text;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// Splits reply text into sentences as it arrives in pieces, so synthesis can start on the first sentence
/// while the workflow still generates the rest. A sentence ends at <c>.</c>, <c>!</c>, <c>?</c> (and a run of
/// them, closing quotes or brackets) followed by white space, or at a line break. Decimal numbers
/// ("3.5"), single-letter initials and common abbreviations ("Dr.", "e.g.") do not end a sentence. One
/// instance per reply; not thread-safe.
/// </summary>
public sealed class SentenceSplitter
{
    private static readonly string[] s_abbreviations =
    [
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "approx", "mt", "ft",
    ];

    private readonly StringBuilder _pending = new();

    /// <summary>
    /// Adds <paramref name="piece"/> and appends each sentence it completes to <paramref name="sentences"/>.
    /// A terminator at the very end of the text so far is held back until the next piece shows whether
    /// white space follows.
    /// </summary>
    public void Append(string piece, List<string> sentences)
    {
        ArgumentNullException.ThrowIfNull(piece);
        ArgumentNullException.ThrowIfNull(sentences);
        _pending.Append(piece);
        Split(sentences, final: false);
    }

    /// <summary>Appends whatever text remains as the last sentence.</summary>
    public void Flush(List<string> sentences)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        Split(sentences, final: true);
        var rest = _pending.ToString().Trim();
        _pending.Clear();
        if (rest.Length > 0)
        {
            sentences.Add(rest);
        }
    }

    private void Split(List<string> sentences, bool final)
    {
        var start = 0;
        var i = 0;
        while (i < _pending.Length)
        {
            var c = _pending[i];
            if (c is '\n' or '\r')
            {
                Emit(sentences, start, i);
                start = i + 1;
                i++;
                continue;
            }

            if (c is '.' or '!' or '?')
            {
                var end = i + 1;
                while (end < _pending.Length && _pending[end] is '.' or '!' or '?' or '"' or '\'' or ')' or ']' or '\u201D' or '\u2019')
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
                continue;
            }

            i++;
        }

        _pending.Remove(0, start);
    }

    private bool IsAbbreviation(int sentenceStart, int dot)
    {
        var wordStart = dot;
        while (wordStart > sentenceStart && !char.IsWhiteSpace(_pending[wordStart - 1]))
        {
            wordStart--;
        }

        var length = dot - wordStart;
        if (length == 0)
        {
            return false;
        }

        if (length == 1 && char.IsUpper(_pending[wordStart]))
        {
            return true; // an initial: "J. Smith"
        }

        var word = _pending.ToString(wordStart, length).TrimStart('(', '"', '\'');
        foreach (var abbreviation in s_abbreviations)
        {
            if (string.Equals(word, abbreviation, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private void Emit(List<string> sentences, int start, int end)
    {
        var text = _pending.ToString(start, end - start).Trim();
        if (text.Length > 0)
        {
            sentences.Add(text);
        }
    }
}
