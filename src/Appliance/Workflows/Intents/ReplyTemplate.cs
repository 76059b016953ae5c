using System.Globalization;

namespace VoiceAppliance.Workflows.Intents;

/// <summary>Fills <c>{name}</c> placeholders.</summary>
public static class ReplyTemplate
{
    /// <summary>The placeholder names in <paramref name="template"/>.</summary>
    public static IEnumerable<string> SlotReferences(string template)
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

            yield return template[(i + 1)..end].Trim();
            i = end + 1;
        }
    }

    /// <summary>Replaces each <c>{name}</c> with its value; unknown names become empty.</summary>
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
            var name = template[(open + 1)..end].Trim();
            sb.Append(values.TryGetValue(name, out var v) ? v : string.Empty);
            i = end + 1;
        }

        return sb.ToString();
    }
}
