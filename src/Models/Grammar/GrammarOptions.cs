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
    /// The default <see cref="RejectionThreshold"/>: 0.131 since session 13 (0.135 in session 12, 0.16 before), picked with
    /// the shipped config/intents.json and <see cref="ConnectedSpeech"/> by session 12's rule: the threshold that
    /// understands the most commands of <c>bench heldout</c>'s two tuning sets at no more other speech accepted than 27 of
    /// 2262 phrases, the lowest where several tie (0.131 to 0.134 understand 1465 of 1479, accepting 26 to 24). Session
    /// 12's pick was 0.135 on the grammar without connected speech; the old grammar let "set an alarm for seven in the
    /// morning" through as "set a timer for seven minute".
    /// </summary>
    public const float DefaultRejectionThreshold = 0.131f;

    /// <summary>Extra pronunciations (word -> space-separated CMU phones) for words the dictionary lacks, such as device names.</summary>
    public IReadOnlyDictionary<string, string> Pronunciations { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Give a command word that ends in a stop a second pronunciation without it where the grammar lets a word that
    /// starts with a stop made at the same place follow it: in "what time", "what day" and "is it today" the T of
    /// "what" and "it" is not released, one closure serving both words (<see cref="GrammarSpeechToText.ConnectedSpeechVariants"/>).
    /// Default on: held-out-2's refused "what time is it" were mostly this (session 13).
    /// </summary>
    public bool ConnectedSpeech { get; init; } = true;

    /// <summary>Extra pocketsphinx arguments as argv pairs, for example ["-beam", "1e-60"].</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];
}
