namespace VoiceAppliance.Pipeline;

/// <summary>A failure in one stage of a turn; <see cref="Stage"/> names it (stt, workflow, tts, playback, vad, capture).</summary>
public sealed class PipelineStageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PipelineStageException(string stage, Exception innerException)
        : base($"{stage} failed: {innerException?.Message}", innerException)
    {
        Stage = stage;
    }

    /// <summary>Creates the exception.</summary>
    public PipelineStageException()
    {
        Stage = "unknown";
    }

    /// <summary>Creates the exception.</summary>
    public PipelineStageException(string message) : base(message)
    {
        Stage = "unknown";
    }

    /// <summary>Creates the exception.</summary>
    public PipelineStageException(string message, Exception innerException, string stage) : base(message, innerException)
    {
        Stage = stage;
    }

    /// <summary>The failing stage.</summary>
    public string Stage { get; }
}
