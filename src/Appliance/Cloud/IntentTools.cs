using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using VoiceAppliance.Workflows;
using VoiceAppliance.Workflows.Intents;

namespace VoiceAppliance.Cloud;

/// <summary>
/// The configured intents offered to the assistant as tools: one function per intent (its name), whose parameters are
/// the intent's slots (an enum of the words the sentences allow, or an integer range). A call runs the intent's
/// actions (MQTT publish, volume, mute, timer, time/date) exactly as a spoken command would, after checking every
/// argument; a bad call is answered with an error the model can read, never run.
/// </summary>
internal sealed class IntentTools
{
    private const int MaxEnumValues = 64;
    private const int ExpandLimit = 5000;

    private readonly IntentWorkflow _intents;
    private readonly Dictionary<string, (IntentDefinition Intent, Dictionary<string, SlotSpec> Slots, HashSet<string> Required)> _byTool = new(StringComparer.Ordinal);

    public IntentTools(IntentWorkflow intents)
    {
        _intents = intents;
        foreach (var intent in intents.Intents)
        {
            var name = ToolName(intent.Name);
            if (name.Length == 0 || _byTool.ContainsKey(name))
            {
                continue;
            }

            var (slots, required) = Slots(intent);
            _byTool[name] = (intent, slots, required);
            Definitions.Add(new ToolDefinition
            {
                Function = new FunctionDefinition
                {
                    Name = name,
                    Description = Describe(intent),
                    Parameters = Schema(slots, required),
                },
            });
        }
    }

    /// <summary>The tool definitions, in the intents' order.</summary>
    public List<ToolDefinition> Definitions { get; } = [];

    /// <summary>
    /// Runs <paramref name="call"/>; returns the text for the <c>tool</c> message and whether the call was valid.
    /// </summary>
    public async ValueTask<(string Result, bool Ok)> RunAsync(ToolCall call, WorkflowTurn turn, CancellationToken cancellationToken)
    {
        var name = call.Function.Name ?? string.Empty;
        if (!_byTool.TryGetValue(name, out var tool))
        {
            return (Error($"unknown tool '{Clip(name)}'; the tools are: {string.Join(", ", _byTool.Keys)}"), false);
        }

        Dictionary<string, string> values;
        try
        {
            values = Arguments(call.Function.Arguments, tool.Slots, tool.Required);
        }
        catch (FormatException ex)
        {
            return (Error($"{name}: {ex.Message}"), false);
        }

        turn.Intent = tool.Intent.Name;
        var reply = await _intents.RunAsync(tool.Intent, values, turn, cancellationToken).ConfigureAwait(false);
        var result = new JsonObject { ["ok"] = true, ["result"] = reply.Length > 0 ? reply : "done" };
        return (result.ToJsonString(), true);
    }

    private static Dictionary<string, string> Arguments(string? text, Dictionary<string, SlotSpec> slots, HashSet<string> required)
    {
        JsonObject args;
        try
        {
            args = string.IsNullOrWhiteSpace(text) ? [] : JsonNode.Parse(text) as JsonObject ?? throw new FormatException("the arguments are not a JSON object");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"the arguments are not valid JSON ({ex.Message})", ex);
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, node) in args)
        {
            if (!slots.TryGetValue(key, out var spec))
            {
                throw new FormatException($"unknown argument '{Clip(key)}'{(slots.Count == 0 ? "; this tool takes none" : $"; it takes {string.Join(", ", slots.Keys)}")}");
            }

            values[key] = spec.Check(key, node);
        }

        foreach (var r in required)
        {
            if (!values.ContainsKey(r))
            {
                throw new FormatException($"the argument '{r}' is required");
            }
        }

        return values;
    }

    private static (Dictionary<string, SlotSpec> Slots, HashSet<string> Required) Slots(IntentDefinition intent)
    {
        var slots = new Dictionary<string, SlotSpec>(StringComparer.Ordinal);
        HashSet<string>? required = null;
        foreach (var sentence in intent.Sentences)
        {
            var template = SentenceTemplate.Parse(sentence);
            var inSentence = new HashSet<string>(StringComparer.Ordinal);
            foreach (var path in TemplatePath.Expand(template, ExpandLimit))
            {
                var words = new Dictionary<string, List<string>>(StringComparer.Ordinal);
                foreach (var e in path.Elements)
                {
                    foreach (var slot in e.Slots)
                    {
                        inSentence.Add(slot);
                        if (!slots.TryGetValue(slot, out var spec))
                        {
                            slots[slot] = spec = new SlotSpec();
                        }

                        if (e.Range is { } range)
                        {
                            spec.Low = Math.Min(spec.Low ?? range.Low, range.Low);
                            spec.High = Math.Max(spec.High ?? range.High, range.High);
                        }
                        else if (e.Word is { } word)
                        {
                            if (!words.TryGetValue(slot, out var list))
                            {
                                words[slot] = list = [];
                            }

                            list.Add(word);
                        }
                    }
                }

                foreach (var (slot, list) in words)
                {
                    var spec = slots[slot];
                    if (spec.Values.Count < MaxEnumValues)
                    {
                        spec.Values.Add(string.Join(' ', list));
                    }
                    else
                    {
                        spec.Open = true;
                    }
                }
            }

            if (required is null)
            {
                required = inSentence;
            }
            else
            {
                required.IntersectWith(inSentence);
            }
        }

        return (slots, required ?? []);
    }

    private static JsonObject Schema(Dictionary<string, SlotSpec> slots, HashSet<string> required)
    {
        var properties = new JsonObject();
        foreach (var (name, spec) in slots)
        {
            properties[name] = spec.Schema();
        }

        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = properties,
            ["additionalProperties"] = false,
        };
        if (required.Count > 0)
        {
            var list = new JsonArray();
            foreach (var r in required.Order(StringComparer.Ordinal))
            {
                list.Add((JsonNode?)JsonValue.Create(r));
            }

            schema["required"] = list;
        }

        return schema;
    }

    private static string Describe(IntentDefinition intent)
    {
        var kinds = intent.Actions.Select(a => a.Kind switch
        {
            IntentActionKind.Publish => "sends a home automation command",
            IntentActionKind.SetVolume => "sets the speaker volume",
            IntentActionKind.Mute => "mutes the device's microphone",
            IntentActionKind.StartTimer => "starts a timer",
            IntentActionKind.TellTime => "tells the time",
            IntentActionKind.TellDate => "tells the date",
            _ => "acts",
        }).Distinct().ToList();
        var example = intent.Sentences.Count > 0 ? intent.Sentences[0] : intent.Name;
        var what = kinds.Count > 0 ? string.Join(" and ", kinds) : "answers";
        var reply = intent.Reply is { } r ? $" Returns the device's reply, e.g. \"{r}\"." : string.Empty;
        return $"The device's '{intent.Name}' command ({what}); what the user would say: \"{example}\".{reply}";
    }

    /// <summary>The intent's name as a function name (<c>^[a-zA-Z0-9_-]{1,64}$</c>).</summary>
    public static string ToolName(string intent)
    {
        var chars = intent.Where(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-').Take(64).ToArray();
        return new string(chars);
    }

    private static string Error(string message) => new JsonObject { ["ok"] = false, ["error"] = message }.ToJsonString();

    private static string Clip(string text) => text.Length > 40 ? text[..40] + "..." : text;

    /// <summary>What one slot accepts.</summary>
    private sealed class SlotSpec
    {
        public int? Low { get; set; }

        public int? High { get; set; }

        public List<string> Values { get; } = [];

        public bool Open { get; set; }

        public JsonObject Schema()
        {
            if (Low is { } low && High is { } high && Values.Count == 0)
            {
                return new JsonObject { ["type"] = "integer", ["minimum"] = low, ["maximum"] = high };
            }

            var schema = new JsonObject { ["type"] = "string" };
            if (!Open && Values.Count > 0)
            {
                var list = new JsonArray();
                foreach (var v in Values.Distinct(StringComparer.Ordinal))
                {
                    list.Add((JsonNode?)JsonValue.Create(v));
                }

                schema["enum"] = list;
            }

            return schema;
        }

        public string Check(string name, JsonNode? node)
        {
            if (node is not JsonValue value)
            {
                throw new FormatException($"'{name}' must be a {(Low is null ? "string" : "number")}, not {(node is null ? "null" : node.GetValueKind().ToString().ToLowerInvariant())}");
            }

            if (Low is { } low && High is { } high && Values.Count == 0)
            {
                int n;
                if (value.TryGetValue<int>(out var i))
                {
                    n = i;
                }
                else if (value.TryGetValue<double>(out var d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue)
                {
                    n = (int)d;
                }
                else if (value.TryGetValue<string>(out var s) && int.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
                {
                    n = parsed;
                }
                else
                {
                    throw new FormatException($"'{name}' must be a whole number from {low} to {high}");
                }

                if (n < low || n > high)
                {
                    throw new FormatException($"'{name}' = {n} is outside {low}-{high}");
                }

                return n.ToString(CultureInfo.InvariantCulture);
            }

            if (!value.TryGetValue<string>(out var text))
            {
                throw new FormatException($"'{name}' must be a string");
            }

            var normalized = string.Join(' ', text.Trim().ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries));
            if (Open || Values.Count == 0)
            {
                return normalized.Length <= 100 ? normalized : throw new FormatException($"'{name}' is too long");
            }

            var match = Values.FirstOrDefault(v => string.Equals(v, normalized, StringComparison.OrdinalIgnoreCase));
            return match ?? throw new FormatException($"'{name}' = '{Clip(text)}' is not one of: {string.Join(", ", Values.Distinct(StringComparer.Ordinal))}");
        }
    }
}
