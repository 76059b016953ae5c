namespace VoiceAppliance.Pipeline;

/// <summary>
/// The microphone of one listening turn as it is captured, for a realtime provider whose server ends turns
/// (<see cref="IRealtimeSpeech.ConverseAsync"/>): from the device's confirmed speech on (with its pre-roll: the audio
/// the device's own speech-to-text would get), 16 kHz mono. The audio thread only copies into a bounded ring; what
/// does not fit while the reader lags is dropped and counted, never queued without bound.
/// </summary>
public interface IRealtimeAudioSource
{
    /// <summary>Samples dropped because the ring was full (the sender fell behind).</summary>
    long DroppedSamples { get; }

    /// <summary>
    /// Completes when the device ended the listening itself, with how: <see cref="UtteranceEnd.Released"/> or
    /// <see cref="UtteranceEnd.SourceEnded"/> (the user or the source ended the utterance: the client commits it), or a
    /// safety net (<see cref="UtteranceEnd.Silence"/> for the turn-end timeout, <see cref="UtteranceEnd.MaxUtterance"/>):
    /// the server did not end the turn and the device answers it locally.
    /// </summary>
    Task<UtteranceEnd> DeviceEnded { get; }

    /// <summary>
    /// Copies captured samples into <paramref name="buffer"/>, waiting until at least <paramref name="minimum"/> are
    /// there (fewer only at the end). Returns 0 when the stream is over: the device ended the listening and everything
    /// was read, or the turn is no longer the one listening.
    /// </summary>
    ValueTask<int> ReadAsync(Memory<float> buffer, int minimum, CancellationToken cancellationToken);
}
