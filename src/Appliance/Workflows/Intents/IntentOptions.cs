using System.Globalization;

namespace VoiceAppliance.Workflows.Intents;

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

        foreach (var problem in ReplyTemplate.ChoiceProblems(template))
        {
            errors.Add($"{key}: {problem}.");
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
