using VoiceAppliance.Workflows;

namespace VoiceAppliance.Pipeline;

/// <summary>The pipeline's side of one realtime turn (<see cref="IRealtimeSpeech.RespondAsync"/>): events, states, the speaker.</summary>
public interface IRealtimeTurn
{
    /// <summary>The turn as the intents' tools see it (session, appliance control, provider log).</summary>
    WorkflowTurn Workflow { get; }

    /// <summary>Whether any answer audio was written to the speaker.</summary>
    bool AudioStarted { get; }

    /// <summary>The utterance was sent and an answer asked for (the pipeline goes to Thinking).</summary>
    void RequestSent();

    /// <summary>The server heard the user start speaking (<c>speech_started</c>): while the answer plays, a barge-in.</summary>
    void SpeechStarted();

    /// <summary>
    /// The server ended the user's turn (<c>speech_stopped</c> or <c>committed</c>): listening ends and the pipeline
    /// goes to Thinking. False when the turn no longer listens (the device ended it, or it was cut).
    /// </summary>
    bool ServerEndedTurn();

    /// <summary>The server's transcript of the user's utterance.</summary>
    void UserTranscript(string text);

    /// <summary>A piece of the answer's transcript.</summary>
    void ReplyText(string delta);

    /// <summary>Plays answer audio (the speaker resamples it to the device rate); the first goes to Speaking.</summary>
    /// <param name="samples">Mono samples; kept by the speaker until played (not reused by the caller).</param>
    /// <param name="sampleRate">Their rate.</param>
    /// <param name="itemId">The conversation item they belong to.</param>
    /// <param name="cancellationToken">The turn's cancellation.</param>
    ValueTask PlayAsync(ReadOnlyMemory<float> samples, int sampleRate, string itemId, CancellationToken cancellationToken);

    /// <summary>How much of <paramref name="itemId"/>'s audio was heard, in ms: at the barge-in or stop if one cut the turn, else now.</summary>
    int HeardMilliseconds(string itemId);
}
