using VoiceAppliance.Models;
using VoiceAppliance.Workflows;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// Where a turn's engines are chosen. A configured engine is either a plain engine (it serves every turn) or a chain
/// (<see cref="IReportingSpeechToText"/>, <see cref="IReportingTextToSpeech"/>: a cloud provider first, the local
/// engine last, with a circuit breaker); for a turn the chain is bound to the turn's <see cref="ProviderLog"/>, so
/// the provider used and every fallback (<c>provider</c>, <c>fallback_reason</c>) end up in the turn's events.
/// </summary>
internal sealed class ProviderSelector(PipelineEngines engines)
{
    /// <summary>The speech-to-text engine for speculative transcription (no turn report).</summary>
    public ISpeechToText SpeechToText() => engines.Stt;

    /// <summary>The speech-to-text engine for <paramref name="turn"/>.</summary>
    public ISpeechToText SpeechToText(PipelineTurn turn)
    {
        if (engines.Stt is IReportingSpeechToText chain)
        {
            return new BoundSpeechToText(chain, turn.Providers);
        }

        turn.Providers.Used("stt", engines.Stt.Name);
        return engines.Stt;
    }

    /// <summary>
    /// The engine for a reply's first sentence synthesised before the turn is confirmed (<see cref="SpeechPrefetch"/>):
    /// the local voice; null with a cloud chain (a request that may be thrown away, and whose fallbacks would be
    /// reported for a turn that may never use it).
    /// </summary>
    public ITextToSpeech? TextToSpeechForPrefetch() => engines.Tts is IReportingTextToSpeech ? null : engines.Tts;

    /// <summary>The text-to-speech engine for <paramref name="turn"/>'s reply.</summary>
    public ITextToSpeech TextToSpeech(PipelineTurn turn)
    {
        if (engines.Tts is IReportingTextToSpeech chain)
        {
            return new BoundTextToSpeech(chain, turn.Providers);
        }

        turn.Providers.Used("tts", engines.Tts.Name);
        return engines.Tts;
    }

    private sealed class BoundSpeechToText(IReportingSpeechToText chain, ProviderLog providers) : ISpeechToText
    {
        /// <summary>The engine that served the turn once it is known (the transcript events name it), else the chain.</summary>
        public string Name => providers.ProviderOf("stt") ?? chain.Name;

        public IAsyncEnumerable<TranscriptSegment> TranscribeAsync(ReadOnlyMemory<float> audio, CancellationToken cancellationToken) =>
            chain.TranscribeAsync(audio, providers, cancellationToken);
    }

    private sealed class BoundTextToSpeech(IReportingTextToSpeech chain, ProviderLog providers) : ITextToSpeech
    {
        public string Name => chain.Name;

        public int SampleRate => chain.SampleRate;

        public IAsyncEnumerable<AudioChunk> SynthesizeAsync(string text, SynthesisOptions? options, CancellationToken cancellationToken) =>
            chain.SynthesizeAsync(text, options, providers, cancellationToken);
    }
}
