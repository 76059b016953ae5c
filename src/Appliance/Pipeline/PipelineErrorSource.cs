namespace VoiceAppliance.Pipeline;

/// <summary>
/// What failed, as <see cref="PipelineErrorEvent.Source"/> and the <c>source</c> of an <c>error</c> event on MQTT. The
/// README's table of error events lists each with what causes it (a test keeps the two in step).
/// </summary>
public static class PipelineErrorSource
{
    /// <summary>The microphone: lost, or failing every read (the pipeline stays in Error until it is back).</summary>
    public const string Capture = "capture";

    /// <summary>The voice activity detector's model failed on a window.</summary>
    public const string Vad = "vad";

    /// <summary>Speech to text failed on an utterance.</summary>
    public const string Stt = "stt";

    /// <summary>The workflow (intents, MQTT conversation) failed on a transcript.</summary>
    public const string Workflow = "workflow";

    /// <summary>Text to speech failed on a reply.</summary>
    public const string Tts = "tts";

    /// <summary>The speaker failed while playing.</summary>
    public const string Playback = "playback";

    /// <summary>A turn made no progress for the watchdog's timeout and was ended.</summary>
    public const string Watchdog = "watchdog";

    /// <summary>The pipeline's own loop hit an unexpected fault.</summary>
    public const string Pipeline = "pipeline";

    /// <summary>Every source.</summary>
    public static IReadOnlyList<string> All { get; } = [Capture, Vad, Stt, Workflow, Tts, Playback, Watchdog, Pipeline];
}
