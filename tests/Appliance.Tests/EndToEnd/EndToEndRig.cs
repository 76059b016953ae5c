using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Demo;
using VoiceAppliance.Models;
using VoiceAppliance.Models.Piper;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Testing;
using VoiceAppliance.Workflows;
using Xunit.Abstractions;

namespace VoiceAppliance.Tests.EndToEnd;

/// <summary>How an end-to-end run is set up.</summary>
public sealed record RigOptions
{
    /// <summary>Pipeline options (defaults: the product's).</summary>
    public PipelineOptions Pipeline { get; init; } = new();

    /// <summary>How many times faster than real time the microphone file is read; 0 reads it unpaced (the cues keep the timing).</summary>
    public double MicSpeed { get; init; } = 4;

    /// <summary>How many times faster than real time the speaker plays; 0 writes unpaced.</summary>
    public double SpeakerSpeed { get; init; } = 4;

    /// <summary>Feed the microphone as a ReSpeaker 2-Mic HAT would: 48 kHz stereo S16 (the capture downmixes and resamples).</summary>
    public bool Stereo48k { get; init; }

    /// <summary>Wraps the real engines (failure injection). Null: the real engines as they are.</summary>
    public Func<PipelineEngines, PipelineEngines>? Wrap { get; init; }

    /// <summary>Called for every event, on the collector (barge-in triggers and such).</summary>
    public Action<VoicePipeline, PipelineEvent>? OnEvent { get; init; }

    /// <summary>The whole run fails after this long.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Runs a <see cref="ScriptedRecording"/> through the real pipeline: real ALSA <c>type file</c> PCMs for the
/// microphone (raw S16 file, paced) and the speaker (a WAV file), the real Silero VAD, pocketsphinx on the
/// intents' grammar, the intents workflow and Piper. Collects every event and what reached the speaker.
/// </summary>
public static class EndToEndRig
{
    /// <summary>Runs <paramref name="recording"/> and returns what happened.</summary>
    public static async Task<RigResult> RunAsync(EndToEndFixture engines, ScriptedRecording recording, RigOptions options, ITestOutputHelper? log = null)
    {
        ArgumentNullException.ThrowIfNull(engines);
        ArgumentNullException.ThrowIfNull(recording);
        ArgumentNullException.ThrowIfNull(options);
        var dir = TestPaths.NewTempDirectory("e2e");
        var wall = Stopwatch.StartNew();
        try
        {
            var mono = recording.Samples;
            var (interleaved, rate, channels) = options.Stereo48k ? (DemoScenario.ToMicFormat(mono), DemoScenario.MicRate, DemoScenario.MicChannels) : (mono, 16000, 1);
            var raw = Path.Combine(dir, "microphone.raw");
            AlsaFileDevices.WriteRaw(raw, interleaved, AlsaSampleFormat.S16LE);
            var speakerWav = Path.Combine(dir, "speaker.wav");
            var devices = new AlsaFileDevices(Path.Combine(dir, "asoundrc"));
            devices.AddCapture("e2e_mic", raw);
            devices.AddPlayback("e2e_speaker", speakerWav);

            var capture = new AlsaCapture(new AlsaCaptureOptions
            {
                Device = "e2e_mic",
                ConfigurationFile = devices.ConfigurationPath,
                Format = AlsaSampleFormat.S16LE,
                SampleRate = rate,
                Channels = channels,
                Selection = channels == 1 ? ChannelSelection.Channel(0) : ChannelSelection.Downmix,
                PaceInRealTime = options.MicSpeed > 0,
                PaceSpeed = options.MicSpeed > 0 ? options.MicSpeed : 1,
                MaxFrames = interleaved.Length / channels,
                RingSeconds = recording.Seconds + 2, // the cues may hold the reader back; nothing may be dropped
            });
            var alsaPlayback = new AlsaPlayback(new AlsaPlaybackOptions
            {
                Device = "e2e_speaker",
                ConfigurationFile = devices.ConfigurationPath,
                SampleRate = 48000,
                PaceInRealTime = options.SpeakerSpeed > 0,
                PaceSpeed = options.SpeakerSpeed > 0 ? options.SpeakerSpeed : 1,
            });
            var speaker = new MeteredPlayback(alsaPlayback);
            var publisher = new RecordingPublisher();
            var events = new ConcurrentQueue<PipelineEvent>();
            var marks = new List<double>();
            var publishedVolume = 0;
            using var vad = engines.NewVad();
            using var workflow = engines.NewWorkflow(publisher);
            using var cts = new CancellationTokenSource(options.Timeout);
            VoicePipeline? pipeline = null;
            var mic = new CuedCapture(capture, recording.Cues, () => new CueContext(pipeline!, options.Timeout));
            await using (speaker.ConfigureAwait(false))
            {
                await using (mic.ConfigureAwait(false))
                {
                    capture.Start();
                    var real = new PipelineEngines(mic, speaker, vad, engines.Grammar, engines.Voice, workflow);
                    var logger = log is null ? null : new RigLogger(log, wall);
                    using (pipeline = new VoicePipeline(options.Wrap?.Invoke(real) ?? real, options.Pipeline, logger: logger))
                    {
                        using var subscription = pipeline.Events.Subscribe(4096);
                        var collector = Task.Run(
                            async () =>
                            {
                                await foreach (var e in subscription.WithCancellation(CancellationToken.None).ConfigureAwait(false))
                                {
                                    events.Enqueue(e);
                                    log?.WriteLine($"{wall.Elapsed.TotalSeconds,6:F2}s {PipelineEventPayload.ToLine(e)}");
                                    if (e is SessionEndedEvent)
                                    {
                                        marks.Add(speaker.WrittenSeconds);
                                    }

                                    options.OnEvent?.Invoke(pipeline, e);
                                }
                            },
                            CancellationToken.None);

                        try
                        {
                            await pipeline.RunAsync(cts.Token).ConfigureAwait(false);
                            await speaker.DrainAsync(cts.Token).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException) when (cts.IsCancellationRequested)
                        {
                            throw new TimeoutException($"the end-to-end run did not finish within {options.Timeout.TotalSeconds} s; events so far:\n{string.Join('\n', events.Select(PipelineEventPayload.ToLine))}");
                        }

                        publishedVolume = pipeline.Volume;
                        pipeline.Events.Complete();
                        await collector.ConfigureAwait(false);
                        if (mic.Failure is { } failure)
                        {
                            throw new InvalidOperationException("a cue of the scripted recording failed", failure);
                        }
                    }
                }
            }

            // The playback PCM opens on first use: a run that never spoke has no WAV at all.
            var output = File.Exists(speakerWav) ? WavFile.Read(speakerWav) : new WavAudio([], 48000, 1);
            log?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run took {wall.Elapsed.TotalSeconds:F1} s for {recording.Seconds:F1} s of microphone audio; speaker: {output.Duration.TotalSeconds:F2} s; dropped {capture.DroppedSamples}"));
            return new RigResult([.. events], output, marks, publisher.Messages, publishedVolume, capture.DroppedSamples);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

/// <summary>
/// The pipeline's log in the test's output, beside the events and on the same clock (the pause's verdict, an early
/// endpoint, a speculation that failed): what a failed run needs to be understood.
/// </summary>
internal sealed class RigLogger(ITestOutputHelper output, Stopwatch wall) : Microsoft.Extensions.Logging.ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        var line = string.Create(CultureInfo.InvariantCulture, $"{wall.Elapsed.TotalSeconds,6:F2}s log {logLevel}: {formatter(state, exception)}");
        try
        {
            output.WriteLine(exception is null ? line : $"{line} ({exception.GetType().Name}: {exception.Message})");
        }
        catch (InvalidOperationException)
        {
            // The test already finished (a late line from a background task): nothing to write to.
        }
    }
}

/// <summary>What an end-to-end run produced.</summary>
/// <param name="Events">Every event, in order.</param>
/// <param name="Speaker">The speaker's WAV (only what was played: silences between replies are not in it).</param>
/// <param name="SessionMarks">Seconds of reply audio sent to the speaker when each session ended.</param>
/// <param name="Published">What the intents published.</param>
/// <param name="FinalVolume">The speaker volume at the end.</param>
/// <param name="DroppedSamples">Microphone samples the capture dropped.</param>
public sealed record RigResult(IReadOnlyList<PipelineEvent> Events, WavAudio Speaker, IReadOnlyList<double> SessionMarks, IReadOnlyList<(string Topic, string Payload)> Published, int FinalVolume, long DroppedSamples)
{
    /// <summary>The session_ended events.</summary>
    public IReadOnlyList<SessionEndedEvent> Sessions => [.. Events.OfType<SessionEndedEvent>()];

    /// <summary>The turn_ended events.</summary>
    public IReadOnlyList<TurnEndedEvent> Turns => [.. Events.OfType<TurnEndedEvent>()];

    /// <summary>The error events.</summary>
    public IReadOnlyList<PipelineErrorEvent> Errors => [.. Events.OfType<PipelineErrorEvent>()];

    /// <summary>The state changes, as "from->to".</summary>
    public IReadOnlyList<string> Transitions => [.. Events.OfType<StateChangedEvent>().Select(s => $"{s.From}->{s.To}")];

    /// <summary>The speaker output between two marks (seconds of reply audio), as 16 kHz mono.</summary>
    public float[] SpeakerBetween(double from, double to)
    {
        var rate = Speaker.SampleRate;
        var start = Math.Clamp((int)(from * rate), 0, Speaker.Samples.Length);
        var end = Math.Clamp((int)(to * rate), start, Speaker.Samples.Length);
        return AudioResampler.Resample(Speaker.Samples.AsSpan(start, end - start), rate, 16000);
    }
}

/// <summary>
/// The microphone as the pipeline sees it: the real ALSA capture, held back at each cue of the recording
/// until the cue's action has run (the capture's ring is sized so nothing is dropped meanwhile).
/// </summary>
internal sealed class CuedCapture(AlsaCapture inner, IReadOnlyList<RecordingCue> cues, Func<CueContext> context) : IAudioCapture
{
    private long _position;
    private int _next;

    public int SampleRate => inner.SampleRate;

    public long DroppedSamples => inner.DroppedSamples;

    public Exception? Failure { get; private set; }

    public async ValueTask<bool> ReadAsync(Memory<float> destination, CancellationToken cancellationToken)
    {
        while (_next < cues.Count && _position >= cues[_next].Position)
        {
            var cue = cues[_next++];
            try
            {
                await cue.Action(context()).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Failure ??= new InvalidOperationException($"cue '{cue.Name}' at {cue.Position / 16000.0:F2} s failed: {ex.Message}", ex);
            }
        }

        var more = await inner.ReadAsync(destination, cancellationToken).ConfigureAwait(false);
        _position += destination.Length;
        return more;
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

/// <summary>The real ALSA playback, counting the seconds of audio sent to it (to find each reply in the WAV).</summary>
internal sealed class MeteredPlayback(AlsaPlayback inner) : IAudioPlayback
{
    private long _ticks;

    /// <summary>Seconds of audio written so far (at the source rates).</summary>
    public double WrittenSeconds => TimeSpan.FromTicks(Interlocked.Read(ref _ticks)).TotalSeconds;

    public int Volume
    {
        get => inner.Volume;
        set => inner.Volume = value;
    }

    public TimeSpan PlayedPosition => inner.PlayedPosition;

    public async ValueTask WriteAsync(ReadOnlyMemory<float> samples, int sampleRate, CancellationToken cancellationToken)
    {
        await inner.WriteAsync(samples, sampleRate, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _ticks, TimeSpan.FromSeconds(samples.Length / (double)sampleRate).Ticks);
    }

    public ValueTask DrainAsync(CancellationToken cancellationToken) => inner.DrainAsync(cancellationToken);

    public ValueTask FadeOutAsync(TimeSpan duration, CancellationToken cancellationToken) => inner.FadeOutAsync(duration, cancellationToken);

    public void StopImmediately() => inner.StopImmediately();

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
