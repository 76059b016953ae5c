using System.Globalization;

namespace VoiceAppliance.Workflows.Intents;

/// <summary>
/// Fills <c>{name}</c> placeholders with slot values. <c>{name:one|other}</c> is the word that agrees with the
/// number in slot <c>name</c>: <c>one</c> when the value is 1, else <c>other</c> ("Timer set for {minutes}
/// {minutes:minute|minutes}.").
/// </summary>
public static class ReplyTemplate
{
    /// <summary>The slot names the placeholders in <paramref name="template"/> read (a plural choice reads its slot too).</summary>
    public static IEnumerable<string> SlotReferences(string template) => Placeholders(template).Select(SlotOf);

    /// <summary>
    /// What is wrong with the plural choices in <paramref name="template"/>: one line per <c>{name:...}</c> that does
    /// not hold exactly two words separated by <c>|</c> (empty when none).
    /// </summary>
    public static IEnumerable<string> ChoiceProblems(string template)
    {
        foreach (var inner in Placeholders(template))
        {
            var colon = inner.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            var forms = inner[(colon + 1)..].Split('|');
            if (forms.Length != 2 || forms.Any(f => f.Trim().Length == 0))
            {
                yield return $"{{{inner}}} is not a plural choice: write {{{SlotOf(inner)}:one|other}}, the word for 1 and the word for any other number";
            }
        }
    }

    /// <summary>Replaces each <c>{name}</c> with its value and each <c>{name:one|other}</c> with its form; unknown names become empty.</summary>
    public static string Render(string template, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(values);
        var sb = new System.Text.StringBuilder(template.Length + 16);
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf('{', i);
            var end = open < 0 ? -1 : template.IndexOf('}', open);
            if (open < 0 || end < 0)
            {
                sb.Append(template, i, template.Length - i);
                break;
            }

            sb.Append(template, i, open - i);
            var inner = template[(open + 1)..end];
            var value = values.TryGetValue(SlotOf(inner), out var v) ? v : string.Empty;
            var colon = inner.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                sb.Append(value);
            }
            else
            {
                // Validated at load (ChoiceProblems); a malformed one renders its last form.
                var forms = inner[(colon + 1)..].Split('|');
                var one = decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out var n) && n == 1m;
                sb.Append((one ? forms[0] : forms[^1]).Trim());
            }

            i = end + 1;
        }

        return sb.ToString();
    }

    /// <summary>What stands between each <c>{</c> and its <c>}</c>, in order; an unclosed brace ends the list.</summary>
    private static IEnumerable<string> Placeholders(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var i = 0;
        while ((i = template.IndexOf('{', i)) >= 0)
        {
            var end = template.IndexOf('}', i);
            if (end < 0)
            {
                yield break;
            }

            yield return template[(i + 1)..end];
            i = end + 1;
        }
    }

    private static string SlotOf(string inner)
    {
        var colon = inner.IndexOf(':', StringComparison.Ordinal);
        return (colon < 0 ? inner : inner[..colon]).Trim();
    }
}
