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
    /// Phonetic language model of the phone-loop pass that scores how well the command explains the audio
    /// compared with unconstrained speech; null disables that pass (confidence is then NaN).
    /// </summary>
    public string? PhoneLanguageModel { get; init; } = Path.Combine(DebianModelDirectory, "en-us-phone.lm.bin");

    /// <summary>
    /// Results whose confidence is below this are rejected as out of grammar (yield no segment). The
    /// confidence is exp of the per-frame log-likelihood ratio between the grammar path and the phone loop,
    /// scaled by <see cref="ConfidenceScale"/>: 1 when the grammar explains the audio as well as free phones.
    /// </summary>
    public float RejectionThreshold { get; init; } = 0.5f;

    /// <summary>Per-frame log-likelihood ratio (natural log) that halves... see <see cref="RejectionThreshold"/>; larger is stricter.</summary>
    public float ConfidenceScale { get; init; } = 1f;

    /// <summary>Extra pronunciations (word -> space-separated CMU phones) for words the dictionary lacks, such as device names.</summary>
    public IReadOnlyDictionary<string, string> Pronunciations { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra pocketsphinx arguments as argv pairs, for example ["-beam", "1e-60"].</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];
}
