namespace VoiceAppliance.Pipeline;

/// <summary>One wake word (<c>Pipeline:WakeWord:Words:N</c>).</summary>
public sealed record WakeWordEntry
{
    /// <summary>The classifier: a name such as <c>hey_jarvis</c> (models/openwakeword/hey_jarvis_v0.1.onnx) or a path to an openWakeWord .onnx file.</summary>
    public required string Model { get; init; }

    /// <summary>
    /// Score (0..1] at or above which a frame counts; null: the word's tuned default
    /// (<see cref="Models.WakeWord.WakeWordTarget.DefaultRule"/>; 0.5 for words the bench has not tuned).
    /// </summary>
    public float? Threshold { get; init; }

    /// <summary>Consecutive 80 ms frames at or above the threshold before the word counts (1-10); null: the word's tuned default.</summary>
    public int? Patience { get; init; }

    /// <summary>What the word does.</summary>
    public WakeWordAction Action { get; init; } = WakeWordAction.Listen;

    /// <summary>With <see cref="WakeWordAction.Event"/>: the event's name (letters, digits, '_' and '-').</summary>
    public string? Event { get; init; }
}
