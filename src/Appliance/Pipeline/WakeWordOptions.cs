namespace VoiceAppliance.Pipeline;

/// <summary>
/// Wake words beside the button (<c>Pipeline:WakeWord</c>): openWakeWord's chain scores the microphone while the
/// pipeline is idle (and, with an echo-cancelled channel, while it speaks: a wake word is then a barge-in).
/// </summary>
public sealed record WakeWordOptions
{
    /// <summary>Configuration section, for messages.</summary>
    public const string Section = "Pipeline:WakeWord";

    /// <summary>The default <see cref="FineHopFrom"/>: armed on 0.03 % of the frames of <c>bench wake</c>'s negatives (see src/Models/WakeWord/README.md).</summary>
    public const float DefaultFineHopFrom = 0.05f;

    /// <summary>Listen for wake words (default false: the button and MQTT <c>listen</c> only).</summary>
    public bool Enabled { get; init; }

    /// <summary>The words, each with its threshold, patience and action (default: hey_jarvis at its tuned threshold and patience, listen).</summary>
    public IReadOnlyList<WakeWordEntry> Words { get; init; } = [new WakeWordEntry { Model = "hey_jarvis" }];

    /// <summary>After a word is heard it is not heard again for this long (default 2 s).</summary>
    public TimeSpan Refractory { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The most of the wake word that may still be heard after its detection (default 0.5 s). The pretrained words
    /// fire up to a few frames before the word's last sound ends, so the session listens from the detection on but
    /// takes speech as the rest of the word until Silero hears a dip below the silence threshold, or this long has
    /// passed; the command starts there. A user who pauses after the word is heard from the command's first syllable,
    /// and so is one who runs straight on ("hey jarvis turn on the light") as long as the words are not slurred
    /// together; the recogniser never hears "-vis turn on...".
    /// </summary>
    public TimeSpan WordTail { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>
    /// Score only while Silero hears speech (and for a second after), catching up over the last
    /// <see cref="GateCatchUp"/> when speech starts: saves the chain's CPU in a quiet room (default false).
    /// </summary>
    public bool VadGate { get; init; }

    /// <summary>
    /// After each gap (a session; the gate's catch-up) rebuild the chain's windows from the room's own sound heard while
    /// idle, not from openWakeWord's synthetic faint noise (default true). From the synthetic start the change to a
    /// noisy room's sound made the classifiers fire in the first 1.28 s (white noise: up to 0.49 hey_jarvis, 0.82
    /// alexa); from the room's own sound there is no change to fire on (src/Models/WakeWord/README.md). The words'
    /// default thresholds (hey_jarvis 0.15, alexa 0.10 with patience 3) were tuned with it: with false, set thresholds
    /// tuned for openWakeWord's reset (session 6: hey_jarvis 0.40, alexa 0.45 with patience 2). Costs up to 27
    /// feature-model runs at each reset and 4.3 s of idle audio kept; while less than 2.16 s of the room has been heard
    /// (the daemon just started) nothing is scored for 2.16 s after a reset.
    /// </summary>
    public bool ResetFromRoom { get; init; } = true;

    /// <summary>With <see cref="VadGate"/>: audio scored when speech starts (default 1.5 s, enough for the word and the window).</summary>
    public TimeSpan GateCatchUp { get; init; } = TimeSpan.FromSeconds(1.5);

    /// <summary>
    /// Also score 40 ms between the chain's 80 ms frames near a candidate (default false). It catches a peak that falls
    /// between two frames, but <c>bench wake</c> measured no gain at the rule its tuning split picks: about one point
    /// more detection at the same threshold, and as many more fires on noise after a reset, so the picked threshold
    /// rises and the held-out detection stays where the 80 ms hop has it (src/Models/WakeWord/README.md). See
    /// <see cref="Models.WakeWord.WakeWordDetector"/>'s fineHopFrom.
    /// </summary>
    public bool FineHop { get; init; }

    /// <summary>With <see cref="FineHop"/>: the score (of this 80 ms frame or the last, any word) from which the 40 ms scores run (default <see cref="DefaultFineHopFrom"/>; 0: always).</summary>
    public float FineHopFrom { get; init; } = DefaultFineHopFrom;

    /// <summary>The detector's fineHopFrom: <see cref="FineHopFrom"/> with <see cref="FineHop"/>, otherwise null.</summary>
    public float? FineHopPreThreshold => FineHop ? FineHopFrom : null;

    /// <summary>Adds each bad key, its value and what is allowed to <paramref name="errors"/>.</summary>
    public void Validate(List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        OptionChecks.Range(errors, Section, nameof(Refractory), Refractory, TimeSpan.Zero, TimeSpan.FromSeconds(60));
        OptionChecks.Range(errors, Section, nameof(WordTail), WordTail, TimeSpan.Zero, TimeSpan.FromSeconds(1.5));
        OptionChecks.Range(errors, Section, nameof(GateCatchUp), GateCatchUp, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(5));
        if (!(FineHopFrom is >= 0f and <= 1f))
        {
            errors.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Section}:FineHopFrom is {FineHopFrom}; allowed: a score in [0, 1] (0: score every 40 ms), or set {Section}:FineHop = false for the 80 ms hop only."));
        }

        if (!Enabled)
        {
            return;
        }

        if (Words is null || Words.Count == 0)
        {
            errors.Add($"{Section}:Words is empty; list at least one word, for example {{ \"Model\": \"hey_jarvis\" }}, or set {Section}:Enabled = false.");
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Words.Count; i++)
        {
            var w = Words[i];
            var key = $"{Section}:Words:{i}";
            if (w is null || string.IsNullOrWhiteSpace(w.Model))
            {
                errors.Add($"{key}:Model is missing; name a word such as 'hey_jarvis' (models/openwakeword/hey_jarvis_v0.1.onnx) or give a path to an openWakeWord .onnx file.");
                continue;
            }

            if (!seen.Add(w.Model))
            {
                errors.Add($"{key}:Model '{w.Model}' is listed twice; list each word once.");
            }

            if (w.Threshold is { } threshold && !(threshold is > 0f and <= 1f))
            {
                errors.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{key}:Threshold is {threshold}; allowed: a score in (0, 1], or leave it out for the word's tuned default."));
            }

            if (w.Patience is { } patience && patience is < 1 or > Models.WakeWord.WakeWordTarget.MaxPatience)
            {
                errors.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{key}:Patience is {patience}; allowed: 1 to {Models.WakeWord.WakeWordTarget.MaxPatience} frames of 80 ms, or leave it out for the word's tuned default."));
            }

            if (w.Action == WakeWordAction.Event && (string.IsNullOrEmpty(w.Event) || w.Event.Length > 64 || !w.Event.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')))
            {
                errors.Add($"{key}:Event is '{w.Event}'; Action = Event needs an event name of 1-64 letters, digits, '_' or '-' (it is reported as the wake event's 'event').");
            }

            if (w.Action == WakeWordAction.Listen && w.Event is not null)
            {
                errors.Add($"{key}:Event is set but Action is Listen; remove Event or set Action = Event.");
            }
        }
    }
}
