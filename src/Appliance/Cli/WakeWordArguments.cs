using System.Globalization;
using VoiceAppliance.Models.WakeWord;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Cli;

/// <summary>
/// The wake word options <c>wake-score</c> and <c>wake-test</c> share: <c>--model NAME|FILE[:THRESHOLD]</c>
/// (repeatable; a NAME such as <c>hey_jarvis</c> means <c>models/openwakeword/NAME_v0.1.onnx</c>), <c>--threshold X</c>
/// (for words without their own), <c>--patience N</c> (for every word), <c>--features DIR</c>, <c>--refractory S</c> and <c>--fine-hop X|off</c>.
/// Without them each word takes its tuned default (<see cref="WakeWordTarget.DefaultRule"/>).
/// </summary>
internal sealed class WakeWordArguments
{
    /// <summary>The options' usage text.</summary>
    public const string Usage = "[--model NAME|FILE[:THRESHOLD]]... [--threshold X] [--patience N] [--refractory S] [--fine-hop X|off] [--features DIR]";

    private readonly List<(string Model, float? Threshold)> _models = [];

    /// <summary>Threshold for every word without its own; null: each word's tuned default.</summary>
    public float? Threshold { get; private set; }

    /// <summary>Patience (consecutive frames) for every word; null: each word's tuned default.</summary>
    public int? Patience { get; private set; }

    /// <summary>Hold-off after a detection of a word.</summary>
    public TimeSpan Refractory { get; private set; } = TimeSpan.FromSeconds(2);

    /// <summary>The fine hop's pre-threshold (<c>--fine-hop X</c>; <c>off</c>, as the daemon by default: null, the 80 ms hop only).</summary>
    public float? FineHopFrom { get; private set; } = new WakeWordOptions().FineHopPreThreshold;

    /// <summary>Folder of melspectrogram.onnx and embedding_model.onnx; null: models/openwakeword.</summary>
    public string? FeaturesDirectory { get; private set; }

    /// <summary>
    /// Takes the option at <paramref name="i"/> if it is one of these (advancing <paramref name="i"/> past its value);
    /// false when it is not one of them. <paramref name="error"/> names a bad value.
    /// </summary>
    public bool TryTake(string[] args, ref int i, out string? error)
    {
        error = null;
        var hasValue = i + 1 < args.Length;
        switch (args[i])
        {
            case "--model" when hasValue:
                var spec = args[++i];
                var colon = spec.LastIndexOf(':');
                if (colon > 0 && float.TryParse(spec.AsSpan(colon + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var own))
                {
                    if (own is not (> 0f and <= 1f))
                    {
                        error = $"the threshold in '--model {spec}' must be in (0, 1]";
                    }

                    _models.Add((spec[..colon], own));
                }
                else
                {
                    _models.Add((spec, null));
                }

                return true;
            case "--threshold" when hasValue:
                if (!float.TryParse(args[++i], NumberStyles.Float, CultureInfo.InvariantCulture, out var t) || t is not (> 0f and <= 1f))
                {
                    error = $"--threshold '{args[i]}' must be a number in (0, 1], for example 0.5";
                }

                Threshold = t;
                return true;
            case "--patience" when hasValue:
                if (!int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var k) || k is < 1 or > WakeWordTarget.MaxPatience)
                {
                    error = $"--patience '{args[i]}' must be a whole number of 80 ms frames from 1 to {WakeWordTarget.MaxPatience}";
                }

                Patience = k;
                return true;
            case "--refractory" when hasValue:
                if (!double.TryParse(args[++i], NumberStyles.Float, CultureInfo.InvariantCulture, out var r) || r is < 0 or > 60)
                {
                    error = $"--refractory '{args[i]}' must be seconds between 0 and 60";
                }

                Refractory = TimeSpan.FromSeconds(r);
                return true;
            case "--fine-hop" when hasValue:
                if (args[++i] == "off")
                {
                    FineHopFrom = null;
                }
                else if (!float.TryParse(args[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var f) || f is not (>= 0f and <= 1f))
                {
                    error = $"--fine-hop '{args[i]}' must be a score in [0, 1] from which to score every 40 ms near a candidate (0: always), or 'off' for the 80 ms hop only";
                }
                else
                {
                    FineHopFrom = f;
                }

                return true;
            case "--features" when hasValue:
                FeaturesDirectory = args[++i];
                return true;
            default:
                return false;
        }
    }

    /// <summary>Loads the feature models and the words (hey_jarvis when none was named). The caller disposes all.</summary>
    /// <exception cref="FileNotFoundException">A model file is missing (the message names it and the fix).</exception>
    /// <exception cref="InvalidDataException">A model file is of another kind.</exception>
    public (WakeWordFeatureModels Features, WakeWordModel[] Models, WakeWordTarget[] Targets) Load()
    {
        var features = FeaturesDirectory is { } dir
            ? WakeWordFeatureModels.LoadFromDirectory(dir)
            : WakeWordFeatureModels.Load(ModelPaths.Require("openwakeword/melspectrogram.onnx"), ModelPaths.Require("openwakeword/embedding_model.onnx"));
        var models = new List<WakeWordModel>();
        try
        {
            var specs = _models.Count > 0 ? _models : [("hey_jarvis", null)];
            var targets = new WakeWordTarget[specs.Count];
            for (var i = 0; i < specs.Count; i++)
            {
                var (spec, own) = specs[i];
                var path = spec.Contains('/', StringComparison.Ordinal) || spec.EndsWith(".onnx", StringComparison.Ordinal)
                    ? spec
                    : ModelPaths.Require($"openwakeword/{spec}_v0.1.onnx");
                var model = WakeWordModel.Load(path);
                models.Add(model);
                targets[i] = WakeWordTarget.For(model, own ?? Threshold, Patience);
            }

            return (features, [.. models], targets);
        }
        catch
        {
            features.Dispose();
            foreach (var m in models)
            {
                m.Dispose();
            }

            throw;
        }
    }
}
