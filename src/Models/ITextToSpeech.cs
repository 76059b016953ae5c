namespace VoiceAppliance.Models;

/// <summary>
/// Text to speech. Audio streams per sentence so the first sentence can play while later ones are
/// synthesized; cancellation stops between sentences at once.
/// </summary>
public interface ITextToSpeech
{
    /// <summary>Engine/voice name for reports.</summary>
    string Name { get; }

    /// <summary>The voice's native sample rate.</summary>
    int SampleRate { get; }

    /// <summary>Synthesizes <paramref name="text"/> sentence by sentence.</summary>
    IAsyncEnumerable<AudioChunk> SynthesizeAsync(string text, SynthesisOptions? options, CancellationToken cancellationToken);
}
