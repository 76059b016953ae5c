namespace VoiceAppliance.Pipeline;

/// <summary>
/// A speech-to-speech provider (the OpenAI Realtime API, <c>Cloud:Realtime</c>): it takes a turn's utterance and
/// answers with audio, in place of STT -> workflow -> TTS (<see cref="TurnRunner.StartUserTurn"/>). One conversation
/// per pipeline session. It never throws for a provider failure: the result says what failed, and the pipeline falls
/// back to the local path.
/// </summary>
public interface IRealtimeSpeech
{
    /// <summary>The name in reports (<c>provider</c>).</summary>
    string Name { get; }

    /// <summary>Answers one turn.</summary>
    /// <param name="sessionId">The pipeline session; a new one starts a new conversation.</param>
    /// <param name="utterance">The user's utterance, mono at <paramref name="sampleRate"/>.</param>
    /// <param name="sampleRate">The utterance's rate (the capture's, 16 kHz).</param>
    /// <param name="turn">Where the answer goes (transcripts, audio, tools) and what was heard of it.</param>
    /// <param name="cancellationToken">The turn's cancellation (barge-in, stop, watchdog): the answer is cancelled and truncated to what was heard.</param>
    Task<RealtimeReply> RespondAsync(string sessionId, ReadOnlyMemory<float> utterance, int sampleRate, IRealtimeTurn turn, CancellationToken cancellationToken);

    /// <summary>
    /// Null: the device ends each turn and hands the whole utterance to <see cref="RespondAsync"/>. Otherwise the
    /// server's turn detection ends turns: each listening turn is streamed to <see cref="ConverseAsync"/> as it is
    /// captured, and this is the device's safety net, the silence after the user's last speech (by the device's VAD)
    /// after which the device stops waiting for the server and answers locally.
    /// </summary>
    TimeSpan? ServerTurnEndTimeout { get; }

    /// <summary>
    /// One turn whose end the server detects: the microphone goes up while the user speaks
    /// (<paramref name="audio"/>), the server's <c>speech_stopped</c> ends the turn (<see cref="IRealtimeTurn.ServerEndedTurn"/>)
    /// and its response is played; a device end of the listening (<see cref="IRealtimeAudioSource.DeviceEnded"/>) is
    /// committed (released, source ended) or fails the turn (<c>no_turn_end</c>: the safety net).
    /// </summary>
    /// <param name="sessionId">The pipeline session; a new one starts a new conversation.</param>
    /// <param name="audio">The turn's audio as captured.</param>
    /// <param name="sampleRate">Its rate (the capture's, 16 kHz).</param>
    /// <param name="turn">Where the answer goes and what was heard of it.</param>
    /// <param name="cancellationToken">The turn's cancellation, as for <see cref="RespondAsync"/>.</param>
    Task<RealtimeReply> ConverseAsync(string sessionId, IRealtimeAudioSource audio, int sampleRate, IRealtimeTurn turn, CancellationToken cancellationToken);

    /// <summary>The pipeline session ended: its conversation is closed (in the background; returns at once).</summary>
    void EndSession(string sessionId);
}
