using Whisper.net;

namespace VoiceAppliance.Models.Whisper;

/// <summary>
/// Decoding parameters of <see cref="WhisperSpeechToText"/>, applied to Whisper.net's
/// <see cref="WhisperProcessorBuilder"/> by <see cref="Apply"/>; defaults follow whisper.cpp's.
/// </summary>
/// <remarks>
/// Whisper.net 1.9.1 has no setter for whisper.cpp's <c>suppress_nst</c>, so the former
/// <c>SuppressNonSpeechTokens</c> option is gone and non-speech tokens (music symbols, brackets) are not
/// suppressed; its stand-in, <c>WithSuppressRegex</c>, makes whisper.cpp compile the expression and match it
/// against the whole vocabulary at every decoding step, too slow for the Pi.
/// </remarks>
public sealed record WhisperOptions
{
    /// <summary>Spoken language as an ISO code ("en", "de"), or "auto" to detect it (multilingual models only).</summary>
    public string Language { get; init; } = "en";

    /// <summary>CPU threads for encoding and decoding; 0 means min(4, processor count).</summary>
    public int Threads { get; init; }

    /// <summary>Beam width; 0 or 1 decodes greedily, 2-8 uses beam search (Whisper.net <c>WithBeamSearchSamplingStrategy</c>).</summary>
    public int BeamSize { get; init; }

    /// <summary>
    /// Greedy candidates sampled when the temperature is above 0 (whisper.cpp's best_of), 1-8. Applied with greedy
    /// decoding only: Whisper.net sets best_of through its greedy strategy, so under beam search the temperature
    /// fallback samples whisper.cpp's default of 5.
    /// </summary>
    public int BestOf { get; init; } = 5;

    /// <summary>Initial decoding temperature.</summary>
    public float Temperature { get; init; }

    /// <summary>Temperature step of the fallback when a decode looks like a failure; 0 disables fallback.</summary>
    public float TemperatureIncrement { get; init; } = 0.2f;

    /// <summary>
    /// Do not condition a window on the text of the previous one (Whisper.net <c>WithNoContext</c>; false leaves
    /// whisper.cpp's default). Each utterance gets a fresh state, so this only matters between the 30 s windows
    /// of one utterance.
    /// </summary>
    public bool NoContext { get; init; } = true;

    /// <summary>Return the whole utterance as one segment (useful for short commands).</summary>
    public bool SingleSegment { get; init; }

    /// <summary>
    /// Text the decoder sees as preceding context, to bias it toward the appliance's vocabulary (room and
    /// device names), or null.
    /// </summary>
    public string? InitialPrompt { get; init; }

    /// <summary>Compute token-level timestamps (experimental in whisper.cpp).</summary>
    public bool TokenTimestamps { get; init; }

    /// <summary>At most this many text tokens per segment; 0 means no limit.</summary>
    public int MaxTokensPerSegment { get; init; }

    /// <summary>Shortest accepted utterance (checked before whisper.cpp runs).</summary>
    public TimeSpan MinAudio { get; init; } = TimeSpan.FromSeconds(0.1);

    /// <summary>Longest accepted utterance (a hard cap against runaway recordings).</summary>
    public TimeSpan MaxAudio { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad value and the accepted range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Language))
        {
            throw new ArgumentException("Whisper Language is empty; set an ISO code such as \"en\", or \"auto\" to detect the language.", nameof(Language));
        }

        if (Language != "auto" && !WhisperRuntime.Languages.Contains(Language))
        {
            throw new ArgumentException($"Whisper Language '{Language}' is not a language whisper.cpp knows; use an ISO code such as \"en\" or \"de\", or \"auto\".", nameof(Language));
        }

        Check(Threads is >= 0 and <= 64, nameof(Threads), Threads, "0 (automatic) to 64");
        Check(BeamSize is >= 0 and <= 8, nameof(BeamSize), BeamSize, "0 to 8 (whisper.cpp runs at most 8 decoders)");
        Check(BestOf is >= 1 and <= 8, nameof(BestOf), BestOf, "1 to 8 (whisper.cpp runs at most 8 decoders)");
        Check(Temperature is >= 0f and <= 1f, nameof(Temperature), Temperature, "0 to 1");
        Check(TemperatureIncrement is >= 0f and <= 1f, nameof(TemperatureIncrement), TemperatureIncrement, "0 (no fallback) to 1");
        Check(MaxTokensPerSegment >= 0, nameof(MaxTokensPerSegment), MaxTokensPerSegment, "0 (no limit) or more");
        Check(MinAudio >= TimeSpan.FromSeconds(0.1) && MinAudio < MaxAudio, nameof(MinAudio), MinAudio, "at least 0.1 s and below MaxAudio");
        Check(MaxAudio <= TimeSpan.FromMinutes(10), nameof(MaxAudio), MaxAudio, "at most 10 minutes");
    }

    /// <summary>Sets every option Whisper.net can express on <paramref name="builder"/>.</summary>
    /// <param name="builder">A builder from the model's factory.</param>
    /// <param name="encoderStarting">Called when whisper.cpp starts encoding a window (tests use it to cancel mid-run), or null.</param>
    internal void Apply(WhisperProcessorBuilder builder, Action? encoderStarting)
    {
        builder
            .WithLanguage(Language)
            .WithThreads(Threads > 0 ? Threads : Math.Min(4, Environment.ProcessorCount))
            .WithTemperature(Temperature)
            .WithTemperatureInc(TemperatureIncrement)
            .WithMaxTokensPerSegment(MaxTokensPerSegment)
            .WithPrintTimestamps(false);
        if (BeamSize > 1)
        {
            builder.WithBeamSearchSamplingStrategy(b => b.WithBeamSize(BeamSize));
        }
        else
        {
            builder.WithGreedySamplingStrategy(g => g.WithBestOf(BestOf));
        }

        if (NoContext)
        {
            builder.WithNoContext();
        }

        if (SingleSegment)
        {
            builder.WithSingleSegment();
        }

        if (TokenTimestamps)
        {
            builder.WithTokenTimestamps();
        }

        if (!string.IsNullOrEmpty(InitialPrompt))
        {
            builder.WithPrompt(InitialPrompt);
        }

        if (encoderStarting is not null)
        {
            builder.WithEncoderBeginHandler(_ =>
            {
                encoderStarting();
                return true;
            });
        }
    }

    private static void Check(bool ok, string name, object value, string range)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(name, value, $"Whisper {name} = {value} is out of range; use {range}.");
        }
    }
}
