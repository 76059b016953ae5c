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
    /// Results whose confidence is below this are rejected as out of grammar (yield no segment). The
    /// confidence is the share of the voiced frames that the recognised command words explain: speech outside
    /// the grammar is decoded as a short command padded with long silences, so it explains little of the audio.
    /// </summary>
    public float RejectionThreshold { get; init; } = 0.5f;

    /// <summary>A 10 ms frame counts as voiced when its energy is within this many dB of the loudest frame.</summary>
    public float VoicedRangeDb { get; init; } = 35f;

    /// <summary>Extra pronunciations (word -> space-separated CMU phones) for words the dictionary lacks, such as device names.</summary>
    public IReadOnlyDictionary<string, string> Pronunciations { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra pocketsphinx arguments as argv pairs, for example ["-beam", "1e-60"].</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];
}
