using System.Globalization;
using System.Text;

namespace VoiceAppliance.Workflows.Intents;

/// <summary>
/// Turns transcripts and template words into comparable tokens: lower case, punctuation removed
/// (apostrophes dropped inside words, hyphens split), "%" read as "percent", and numbers written as
/// words turned into digits ("forty two" and "42" both become "42"), so Whisper's "40%" matches a
/// template's "forty percent".
/// </summary>
public static class TextNormalizer
{
    private static readonly string[] s_units =
    [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
    ];

    private static readonly string[] s_tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

    /// <summary>Normalised tokens of <paramref name="text"/>.</summary>
    public static string[] Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = new List<string>();
        var current = new StringBuilder();
        foreach (var raw in text)
        {
            var c = char.ToLowerInvariant(raw);
            if (char.IsLetterOrDigit(c))
            {
                // split letters from digits: "40percent" -> "40 percent"
                if (current.Length > 0 && char.IsDigit(c) != char.IsDigit(current[^1]))
                {
                    Flush(current, words);
                }

                current.Append(c);
            }
            else if (c is '\'' or '\u2019')
            {
                // "what's" -> "whats"
            }
            else if (c is '.' or ',' && current.Length > 0 && char.IsDigit(current[^1]))
            {
                // 1,000 -> 1000; 3.5 stays as "3" "5" (decimals are rare in commands)
                if (c == '.')
                {
                    Flush(current, words);
                }
            }
            else
            {
                Flush(current, words);
                if (c == '%')
                {
                    words.Add("percent");
                }
            }
        }

        Flush(current, words);
        return CollapseNumbers(words);
    }

    /// <summary>The normalised text: tokens joined by single spaces.</summary>
    public static string Normalize(string text) => string.Join(' ', Tokenize(text));

    /// <summary>A non-negative number in words, as a grammar STT expects ("one hundred five").</summary>
    public static string ToWords(int number)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(number);
        if (number < 20)
        {
            return s_units[number];
        }

        if (number < 100)
        {
            return number % 10 == 0 ? s_tens[number / 10] : s_tens[number / 10] + " " + s_units[number % 10];
        }

        if (number < 1000)
        {
            return s_units[number / 100] + " hundred" + (number % 100 == 0 ? string.Empty : " " + ToWords(number % 100));
        }

        if (number < 1_000_000)
        {
            return ToWords(number / 1000) + " thousand" + (number % 1000 == 0 ? string.Empty : " " + ToWords(number % 1000));
        }

        throw new ArgumentOutOfRangeException(nameof(number), number, "numbers up to 999999 can be spoken");
    }

    private static void Flush(StringBuilder current, List<string> words)
    {
        if (current.Length > 0)
        {
            words.Add(current.ToString());
            current.Clear();
        }
    }

    private static string[] CollapseNumbers(List<string> words)
    {
        var result = new List<string>(words.Count);
        var i = 0;
        while (i < words.Count)
        {
            if (TryReadNumber(words, i, out var value, out var used))
            {
                result.Add(value.ToString(CultureInfo.InvariantCulture));
                i += used;
            }
            else
            {
                result.Add(words[i]);
                i++;
            }
        }

        return [.. result];
    }

    private static bool TryReadNumber(List<string> words, int start, out int value, out int used)
    {
        value = 0;
        used = 0;
        var total = 0;
        var group = 0;
        var any = false;
        var i = start;
        while (i < words.Count)
        {
            var w = words[i];
            int unit;
            if ((unit = Array.IndexOf(s_units, w)) >= 0)
            {
                if (any && group % 10 != 0 && group < 100)
                {
                    break; // "two three" is two numbers
                }

                if (any && group % 100 != 0 && unit >= 10)
                {
                    break;
                }

                group += unit;
            }
            else if ((unit = Array.IndexOf(s_tens, w)) >= 2)
            {
                if (any && group % 100 != 0)
                {
                    break;
                }

                group += unit * 10;
            }
            else if (w == "hundred" && any && group is > 0 and < 10)
            {
                group *= 100;
            }
            else if (w == "thousand" && any && total == 0 && group > 0)
            {
                total = group * 1000;
                group = 0;
            }
            else if (w == "and" && any && i + 1 < words.Count && (Array.IndexOf(s_units, words[i + 1]) > 0 || Array.IndexOf(s_tens, words[i + 1]) >= 2) && group % 100 == 0 && (group > 0 || total > 0))
            {
                // "one hundred and five"
            }
            else
            {
                break;
            }

            any = true;
            i++;
        }

        if (!any)
        {
            return false;
        }

        value = total + group;
        used = i - start;
        return true;
    }
}
