using System.Text;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// Joins the text of consecutive pieces of one utterance (<see cref="IncrementalTranscript"/>). A piece that starts
/// inside the audio of the one before it (an overlap, used when no VAD pause gave a word boundary) hears the same
/// words again: the longest run of its first words that equals the last words of the text so far (compared without
/// case and punctuation) is dropped, at most <c>maxRepeated</c> words. A piece cut where the speech was (not at a
/// pause) may end in the middle of a word, so its last word is held back (<see cref="DropLastWord"/>): the next piece,
/// which starts before it, hears it whole.
/// </summary>
internal static class TranscriptStitcher
{
    /// <summary>Appends <paramref name="piece"/> to <paramref name="text"/>, dropping up to <paramref name="maxRepeated"/> repeated words when <paramref name="overlapped"/>.</summary>
    public static string Append(string text, string piece, bool overlapped, int maxRepeated)
    {
        var words = Words(piece);
        if (words.Length == 0)
        {
            return text;
        }

        var skip = 0;
        if (overlapped && text.Length > 0)
        {
            var before = Words(text);
            for (var k = Math.Min(maxRepeated, Math.Min(before.Length, words.Length)); k > 0; k--)
            {
                if (SameWords(before.AsSpan(before.Length - k), words.AsSpan(0, k)))
                {
                    skip = k;
                    break;
                }
            }
        }

        var joined = new StringBuilder(text);
        for (var i = skip; i < words.Length; i++)
        {
            if (joined.Length > 0)
            {
                joined.Append(' ');
            }

            joined.Append(words[i]);
        }

        return joined.ToString();
    }

    /// <summary><paramref name="piece"/> without its last word (which may have been cut by the piece's end).</summary>
    public static string DropLastWord(string piece)
    {
        var words = Words(piece);
        return words.Length <= 1 ? string.Empty : string.Join(' ', words, 0, words.Length - 1);
    }

    private static string[] Words(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool SameWords(ReadOnlySpan<string> a, ReadOnlySpan<string> b)
    {
        for (var i = 0; i < a.Length; i++)
        {
            if (!string.Equals(Normal(a[i]), Normal(b[i]), StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static string Normal(string word)
    {
        var b = new StringBuilder(word.Length);
        foreach (var ch in word)
        {
            if (char.IsLetterOrDigit(ch))
            {
                b.Append(char.ToLowerInvariant(ch));
            }
        }

        return b.ToString();
    }
}
