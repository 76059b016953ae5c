using System.Globalization;
using System.Runtime.CompilerServices;
using VoiceAppliance.Audio.Alsa;

namespace VoiceAppliance.Workflows;

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
