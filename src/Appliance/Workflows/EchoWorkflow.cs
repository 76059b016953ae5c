using System.Globalization;
using System.Runtime.CompilerServices;
using VoiceAppliance.Audio.Alsa;

namespace VoiceAppliance.Workflows;

/// <summary>
/// Echo / intercom: records what the user said, hands it to a sink (a WAV file now, the MQTT intercom
/// later) and confirms aloud.
/// </summary>
public sealed class EchoWorkflow : IVoiceWorkflow
{
    private readonly IVoiceMessageSink _sink;
    private readonly TimeProvider _time;
    private readonly string _reply;

    /// <summary>Creates the workflow.</summary>
    public EchoWorkflow(IVoiceMessageSink sink, TimeProvider? timeProvider = null, string reply = "Message recorded.")
    {
        ArgumentNullException.ThrowIfNull(sink);
        _sink = sink;
        _time = timeProvider ?? TimeProvider.System;
        _reply = reply;
    }

    /// <inheritdoc />
    public string Name => "echo";

    /// <inheritdoc />
    public async IAsyncEnumerable<string> RespondAsync(WorkflowTurn turn, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turn);
        // Copy now: the pipeline reuses the utterance buffer for the next turn.
        var message = new VoiceMessage(turn.Audio.ToArray(), turn.SampleRate, turn.Transcript, turn.SessionId, _time.GetUtcNow());
        turn.Intent = "RecordMessage";
        await _sink.DeliverAsync(message, cancellationToken).ConfigureAwait(false);
        if (_reply.Length > 0)
        {
            yield return _reply;
        }
    }
}
