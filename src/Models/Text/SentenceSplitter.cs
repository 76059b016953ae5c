using System.Text;

namespace VoiceAppliance.Models.Text;

/// <summary>
/// Splits reply text into sentences for streaming synthesis, keeping each sentence's final punctuation
/// (Debian's libespeak-ng 1.51 has no <c>espeak_TextToPhonemesWithTerminator</c>, so the terminator must survive
/// in the text). Ends at <c>. ! ?</c> (and their runs, closing quotes and brackets) followed by white space or the
/// end, at blank lines, and never after common abbreviations, initials or inside numbers such as 3.5. Sentences
/// longer than <see cref="MaxSentenceLength"/> are cut at the last clause mark or space before it.
/// </summary>
public static class SentenceSplitter
{
    /// <summary>Longest sentence handed to the synthesizer; longer runs are split at a comma or space.</summary>
    public const int MaxSentenceLength = 250;

    private static readonly HashSet<string> s_abbreviations = new(StringComparer.OrdinalIgnoreCase)
    {
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "approx", "no", "fig", "mt", "ave", "inc", "ltd", "co",
    };

    /// <summary>The sentences of <paramref name="text"/>, trimmed, without empty ones.</summary>
    public static IReadOnlyList<string> Split(string? text)
    {
        var result = new List<string>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return result;
        }

        var current = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n' && i + 1 < text.Length && text[i + 1] is '\n' or '\r')
            {
                Flush(current, result);
                continue;
            }

            current.Append(char.IsWhiteSpace(c) ? ' ' : c);
            if (c is '.' or '!' or '?' or '…')
            {
                // Take the whole run of terminators and closing quotes/brackets.
                while (i + 1 < text.Length && text[i + 1] is '.' or '!' or '?' or '…' or '"' or '\'' or ')' or ']' or '”' or '’' or '»')
                {
                    current.Append(text[++i]);
                }

                var atEnd = i + 1 >= text.Length || char.IsWhiteSpace(text[i + 1]);
                if (atEnd && !(c == '.' && IsAbbreviation(current)))
                {
                    Flush(current, result);
                }
            }
            else if (current.Length >= MaxSentenceLength)
            {
                CutLong(current, result);
            }
        }

        Flush(current, result);
        return result;
    }

    private static bool IsAbbreviation(StringBuilder sentence)
    {
        // The word before the final '.'.
        var end = sentence.Length - 1;
        while (end >= 0 && sentence[end] != '.')
        {
            end--;
        }

        var start = end - 1;
        while (start >= 0 && !char.IsWhiteSpace(sentence[start]))
        {
            start--;
        }

        var word = sentence.ToString(start + 1, Math.Max(0, end - start - 1)).TrimStart('(', '"', '\'');
        if (word.Length == 1 && char.IsUpper(word[0]))
        {
            return true; // an initial: "J. Smith"
        }

        return s_abbreviations.Contains(word);
    }

    private static void CutLong(StringBuilder current, List<string> result)
    {
        var text = current.ToString();
        var cut = text.LastIndexOfAny([',', ';', ':']);
        if (cut < MaxSentenceLength / 2)
        {
            cut = text.LastIndexOf(' ');
        }

        if (cut <= 0)
        {
            cut = text.Length - 1;
        }

        current.Clear();
        Add(text[..(cut + 1)], result);
        current.Append(text.AsSpan(cut + 1));
    }

    private static void Flush(StringBuilder current, List<string> result)
    {
        Add(current.ToString(), result);
        current.Clear();
    }

    private static void Add(string sentence, List<string> result)
    {
        sentence = sentence.Trim();
        if (sentence.Length > 0)
        {
            result.Add(sentence);
        }
    }
}
