using System.Globalization;
using System.Runtime.CompilerServices;
using VoiceAppliance.Audio.Alsa;

namespace VoiceAppliance.Workflows;

/// <summary>A recorded voice message.</summary>
/// <param name="Samples">The utterance, mono.</param>
/// <param name="SampleRate">Its sample rate.</param>
/// <param name="Transcript">What the speech-to-text engine heard.</param>
/// <param name="SessionId">The session that recorded it.</param>
/// <param name="RecordedAt">When.</param>
public sealed record VoiceMessage(float[] Samples, int SampleRate, string Transcript, string SessionId, DateTimeOffset RecordedAt);

/// <summary>Where recorded messages go: a WAV file now, the MQTT intercom later.</summary>
public interface IVoiceMessageSink
{
    /// <summary>Takes <paramref name="message"/>.</summary>
    ValueTask DeliverAsync(VoiceMessage message, CancellationToken cancellationToken);
}

/// <summary>Writes each message as a 16-bit WAV file <c>message-yyyyMMdd-HHmmss-SESSION.wav</c> in a directory.</summary>
public sealed class WavFileMessageSink : IVoiceMessageSink
{
    private readonly string _directory;

    /// <summary>Writes into <paramref name="directory"/> (created if absent).</summary>
    public WavFileMessageSink(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        _directory = directory;
    }

    /// <summary>The last file written.</summary>
    public string? LastPath { get; private set; }

    /// <inheritdoc />
    public ValueTask DeliverAsync(VoiceMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            Directory.CreateDirectory(_directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot create the message directory '{_directory}': {ex.Message}. Point the intercom sink at a writable directory.", ex);
        }

        var name = string.Create(CultureInfo.InvariantCulture, $"message-{message.RecordedAt:yyyyMMdd-HHmmss}-{message.SessionId}.wav");
        var path = Path.Combine(_directory, name);
        WavFile.WritePcm16(path, message.Samples, message.SampleRate);
        LastPath = path;
        return ValueTask.CompletedTask;
    }
}

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
