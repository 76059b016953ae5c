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

    /// <summary>The pipeline session ended: its conversation is closed (in the background; returns at once).</summary>
    void EndSession(string sessionId);
}
