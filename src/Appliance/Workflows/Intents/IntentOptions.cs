using System.Globalization;

namespace VoiceAppliance.Workflows.Intents;

/// <summary>What an intent does besides speaking its reply.</summary>
public enum IntentActionKind
{
    /// <summary>Publish <see cref="IntentActionOptions.Payload"/> to <see cref="IntentActionOptions.Topic"/> (MQTT).</summary>
    Publish,

    /// <summary>Set the speaker volume to <see cref="IntentActionOptions.Value"/> (0-100).</summary>
    SetVolume,

    /// <summary>Mute the microphone after the reply.</summary>
    Mute,

    /// <summary>Say the time (appended to the reply; or use {time} in the reply).</summary>
    TellTime,

    /// <summary>Say the date (appended to the reply; or use {date} in the reply).</summary>
    TellDate,

    /// <summary>Start a timer of <see cref="IntentActionOptions.Value"/> <see cref="IntentActionOptions.Unit"/>; when it fires the device says <see cref="IntentActionOptions.Payload"/>.</summary>
    StartTimer,
}

/// <summary>
/// One action of an intent. Text fields are templates: <c>{slot}</c> takes a slot's value, <c>{time}</c>
/// and <c>{date}</c> the current time and date, <c>{intent}</c> the intent's name.
/// </summary>
public sealed record IntentActionOptions
{
    /// <summary>The action.</summary>
    public IntentActionKind Kind { get; init; }

    /// <summary>Publish: the topic.</summary>
    public string? Topic { get; init; }

    /// <summary>Publish: the payload; StartTimer: what to say when the timer fires.</summary>
    public string? Payload { get; init; }

    /// <summary>SetVolume: the level; StartTimer: the length (for example <c>{minutes}</c>).</summary>
    public string? Value { get; init; }

    /// <summary>StartTimer: seconds, minutes or hours (default minutes).</summary>
    public string Unit { get; init; } = "minutes";
}

/// <summary>An intent: sentence templates, a reply template and actions.</summary>
public sealed record IntentDefinition
{
    /// <summary>The intent's name, for reports and MQTT (for example <c>ChangeLightState</c>).</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Sentence templates (see <see cref="SentenceTemplate"/>).</summary>
    public IReadOnlyList<string> Sentences { get; init; } = [];

    /// <summary>The spoken reply template, for example <c>Turning {state} the {room} light.</c></summary>
    public string? Reply { get; init; }

    /// <summary>What to do.</summary>
    public IReadOnlyList<IntentActionOptions> Actions { get; init; } = [];

    /// <summary>Listen for a follow-up turn after the reply.</summary>
    public bool ContinueSession { get; init; }
}

/// <summary>The intents workflow's configuration (section <c>Workflows:Intents</c>).</summary>
public sealed record IntentOptions
{
    /// <summary>Configuration section, for messages.</summary>
    public const string Section = "Workflows:Intents";

    /// <summary>The intents.</summary>
    public IReadOnlyList<IntentDefinition> Intents { get; init; } = [];

    /// <summary>Lowest fuzzy-match score accepted (0-1, default 0.75; 1 demands an exact match).</summary>
    public double MinScore { get; init; } = 0.75;

    /// <summary>Spoken when nothing matches.</summary>
    public string FallbackReply { get; init; } = "Sorry, I didn't understand that.";

    /// <summary>Checks every intent; throws <see cref="ArgumentException"/> naming the intent, the key, the bad value and the fix.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (!(MinScore > 0 && MinScore <= 1))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{Section}:MinScore is {MinScore}; allowed: above 0, at most 1."));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Intents.Count; i++)
        {
            var intent = Intents[i];
            var key = $"{Section}:Intents:{i}";
            if (string.IsNullOrWhiteSpace(intent.Name))
            {
                errors.Add($"{key}:Name is empty; give the intent a name.");
            }
            else if (!names.Add(intent.Name))
            {
                errors.Add($"{key}:Name '{intent.Name}' is used twice; intent names must be unique.");
            }

            if (intent.Sentences.Count == 0)
            {
                errors.Add($"{key}:Sentences is empty for intent '{intent.Name}'; add at least one sentence template.");
            }

            var slots = new HashSet<string>(StringComparer.Ordinal) { "time", "date", "intent" };
            for (var s = 0; s < intent.Sentences.Count; s++)
            {
                try
                {
                    var template = SentenceTemplate.Parse(intent.Sentences[s]);
                    _ = TemplatePath.Expand(template, IntentRecognizer.MaxExpansionsPerTemplate);
                    slots.UnionWith(template.SlotNames);
                }
                catch (FormatException ex)
                {
                    errors.Add($"{key}:Sentences:{s}: {ex.Message}");
                }
            }

            CheckSlots(errors, $"{key}:Reply", intent.Reply, slots);
            for (var a = 0; a < intent.Actions.Count; a++)
            {
                var action = intent.Actions[a];
                var akey = $"{key}:Actions:{a}";
                if (!Enum.IsDefined(action.Kind))
                {
                    errors.Add($"{akey}:Kind is '{action.Kind}'; allowed: {string.Join(", ", Enum.GetNames<IntentActionKind>())}.");
                    continue;
                }

                switch (action.Kind)
                {
                    case IntentActionKind.Publish when string.IsNullOrWhiteSpace(action.Topic):
                        errors.Add($"{akey}:Topic is empty; a Publish action needs a topic.");
                        break;
                    case IntentActionKind.SetVolume or IntentActionKind.StartTimer when string.IsNullOrWhiteSpace(action.Value):
                        errors.Add($"{akey}:Value is empty; a {action.Kind} action needs a value (a number or a {{slot}}).");
                        break;
                    case IntentActionKind.StartTimer when action.Unit is not ("seconds" or "minutes" or "hours"):
                        errors.Add($"{akey}:Unit is '{action.Unit}'; allowed: seconds, minutes, hours.");
                        break;
                    default:
                        break;
                }

                CheckSlots(errors, $"{akey}:Topic", action.Topic, slots);
                CheckSlots(errors, $"{akey}:Payload", action.Payload, slots);
                CheckSlots(errors, $"{akey}:Value", action.Value, slots);
            }
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid intents configuration:" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", errors));
        }
    }

    private static void CheckSlots(List<string> errors, string key, string? template, HashSet<string> slots)
    {
        if (template is null)
        {
            return;
        }

        foreach (var name in ReplyTemplate.SlotReferences(template))
        {
            if (!slots.Contains(name))
            {
                errors.Add($"{key} uses {{{name}}}, which no sentence of the intent defines; defined: {string.Join(", ", slots.Order(StringComparer.Ordinal))}.");
            }
        }
    }
}

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
