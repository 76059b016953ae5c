namespace VoiceAppliance.Models.Grammar;

/// <summary>Configuration of <see cref="GrammarSpeechToText"/>.</summary>
public sealed record GrammarOptions
{
    /// <summary>Where Debian's pocketsphinx-en-us puts the US English model.</summary>
    public const string DebianModelDirectory = "/usr/share/pocketsphinx/model/en-us";

    /// <summary>Acoustic model directory (mdef, means, variances, ...).</summary>
    public string AcousticModel { get; init; } = Path.Combine(DebianModelDirectory, "en-us");

    /// <summary>Pronunciation dictionary (CMUdict format).</summary>
    public string Dictionary { get; init; } = Path.Combine(DebianModelDirectory, "cmudict-en-us.dict");

    /// <summary>
    /// Results whose confidence (<see cref="GrammarResult.Confidence"/>: the per-frame likelihood ratio of the
    /// command against free phone decoding, scaled by how well that free decoding fits the voice) times their
    /// <see cref="GrammarResult.DurationFactor"/> (how evenly the words fill their alignment) is below this are
    /// rejected as out of grammar and yield no segment. The default is tuned on <c>./build.sh bench heldout</c>'s
    /// tuning set (synthetic voices; the held-out voices are for reporting); raise it if other speech is taken for
    /// commands, lower it if commands are refused on your microphone.
    /// </summary>
    public float RejectionThreshold { get; init; } = DefaultRejectionThreshold;

    /// <summary>
    /// Results are also rejected when more than this share of the speech (as free phone decoding hears it) falls
    /// outside the command's words, for example a long sentence that contains a command-like phrase. 0.35 was picked
    /// with the rejection threshold on <c>./build.sh bench heldout</c>'s tuning set (0.5 before: it let through questions
    /// whose opening fits a command, such as "what is the weather like today" as "what day is it today", 36-41 %
    /// unexplained; 0.35 refuses no more commands of the set).
    /// </summary>
    public float MaxUnexplainedSpeech { get; init; } = 0.35f;

    /// <summary>
    /// Run the phone-loop pass on a second decoder, on another core, while the grammar pass runs: about 30 % less
    /// latency for about 27 MB more memory (a second copy of the acoustic model). Default: on with more than one core.
    /// </summary>
    public bool ConcurrentPasses { get; init; } = Environment.ProcessorCount > 1;

    /// <summary>
    /// The default <see cref="RejectionThreshold"/>: 0.135 since session 12 (0.16 before), picked with the shipped
    /// config/intents.json as the threshold that understands the most commands of <c>bench heldout</c>'s two tuning sets
    /// at no more other speech accepted than 0.16 did with the old grammar (27 of 2262 phrases against 29). The old
    /// grammar let "set an alarm for seven in the morning" through as "set a timer for seven minute"; with "one minute"
    /// and "N minutes" only, other speech accepted at 0.16 fell from 29 to 10, which left room to lower the threshold.
    /// </summary>
    public const float DefaultRejectionThreshold = 0.135f;

    /// <summary>Extra pronunciations (word -> space-separated CMU phones) for words the dictionary lacks, such as device names.</summary>
    public IReadOnlyDictionary<string, string> Pronunciations { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra pocketsphinx arguments as argv pairs, for example ["-beam", "1e-60"].</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];
}
