namespace VoiceAppliance.Pipeline;

/// <summary>
/// Incremental speculation for engines that transcribe a long utterance piece by piece (<see cref="Models.IIncrementalSpeechToText"/>:
/// whisper). While the user speaks, every <see cref="CommitAfter"/> of new audio is transcribed in the background and
/// committed (at most one decode in flight, on the thread pool with <see cref="BackgroundThreads"/>), so at the
/// endpoint only the tail after the last committed window is decoded, with the committed text as whisper's prompt.
/// A window ends in the middle of the latest VAD pause inside it when there is one; otherwise it ends where the
/// speech is, and the next piece starts <see cref="Overlap"/> earlier and drops the words it repeats.
/// The pause guess of <see cref="EarlyEndpointOptions"/> (after <see cref="EarlyEndpointOptions.Pause"/> of silence)
/// decodes the same tail, so when the silence then ends the utterance it is the transcript with no decode left.
/// </summary>
public sealed record SpeculationOptions
{
    /// <summary>Configuration section, for messages.</summary>
    public const string Section = "Pipeline:Speculation";

    /// <summary>
    /// Whether whisper turns commit windows while the user speaks (default <see cref="IncrementalSpeculationMode.Auto"/>:
    /// on with at least 4 CPUs). On 2 cores a background decode takes the core the tail decode needs when the endpoint
    /// comes during it (it is then cancelled and its work is lost) and competes with the audio thread; see the
    /// pipeline README for the measurement.
    /// </summary>
    public IncrementalSpeculationMode Incremental { get; init; } = IncrementalSpeculationMode.Auto;

    /// <summary>Uncommitted speech that starts a background decode (default 2.5 s; 1-20 s). Utterances shorter than this are decoded once, as before.</summary>
    public TimeSpan CommitAfter { get; init; } = TimeSpan.FromSeconds(2.5);

    /// <summary>
    /// Audio a piece shares with the one before it when no VAD pause gave a word boundary (default 0.5 s; 0-2 s,
    /// below <see cref="CommitAfter"/>): the words heard twice are dropped from the later piece.
    /// </summary>
    public TimeSpan Overlap { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>CPU threads of a background decode while the user speaks; 0 (default) leaves one core free: processors - 1, at least 1.</summary>
    public int BackgroundThreads { get; init; }

    /// <summary>Whether incremental speculation runs on a machine with <paramref name="processors"/> CPUs.</summary>
    public bool IncrementalOn(int processors) => Incremental == IncrementalSpeculationMode.On || (Incremental == IncrementalSpeculationMode.Auto && processors >= 4);

    /// <summary>Threads of a background decode on a machine with <paramref name="processors"/> CPUs.</summary>
    public int ThreadsFor(int processors) => BackgroundThreads > 0 ? BackgroundThreads : Math.Max(1, processors - 1);

    internal void Validate(List<string> errors)
    {
        OptionChecks.Range(errors, Section, nameof(CommitAfter), CommitAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20));
        OptionChecks.Range(errors, Section, nameof(Overlap), Overlap, TimeSpan.Zero, TimeSpan.FromSeconds(2));
        if (Overlap >= CommitAfter)
        {
            errors.Add($"{Section}:{nameof(Overlap)} ({OptionChecks.Seconds(Overlap)}) must be shorter than {nameof(CommitAfter)} ({OptionChecks.Seconds(CommitAfter)}), or no piece would move forward.");
        }

        if (BackgroundThreads is < 0 or > 64)
        {
            errors.Add($"{Section}:{nameof(BackgroundThreads)} is {BackgroundThreads}; allowed: 0 (processors - 1) to 64.");
        }

        if (!Enum.IsDefined(Incremental))
        {
            errors.Add($"{Section}:{nameof(Incremental)} is {(int)Incremental}; allowed: Auto, On, Off.");
        }
    }
}
