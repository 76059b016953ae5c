using System.Net.Sockets;
using System.Runtime.CompilerServices;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Cli;
using VoiceAppliance.Hosting;
using VoiceAppliance.Models;
using VoiceAppliance.Testing;
using VoiceAppliance.Tests.Device;

namespace VoiceAppliance.Tests.Hosting;

/// <summary>
/// The daemon's health as systemd sees it, on real parts (ALSA file PCMs, the real engines, a real NOTIFY_SOCKET):
/// a wedged pipeline withholds WATCHDOG=1; a dead capture makes the process exit non-zero.
/// </summary>
public sealed class PipelineHealthHostTests() : DaemonTestsBase("health")
{
    [RequiresFileFact("piper/en_US-libritts_r-medium/model.onnx", "the daemon loads its real engines")]
    public async Task A_wedged_stt_engine_stops_the_watchdog_pings_and_they_resume_when_it_returns()
    {
        var devices = new AlsaFileDevices(Path.Combine(Dir, "asoundrc"));
        devices.AddSilentCapture("mic");
        devices.AddPlayback("speaker", Path.Combine(Dir, "speaker.wav"));
        var notify = Path.Combine(Dir, "notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(notify));
        var config = WriteConfig(
            $$"""
            "Audio": { "CaptureDevice": "mic", "PlaybackDevice": "speaker", "MicProfile": "generic", "CaptureRate": 16000, "Channel": "0" },
            "Models": { "Directory": "{{Json(TestPaths.Models)}}", "Stt": "grammar" },
            "Workflow": { "Kind": "intents", "IntentsFile": "{{Json(Path.Combine(TestPaths.Root, "config", "intents.json"))}}" },
            "Pipeline": { "WatchdogTimeoutSeconds": 2, "Endpointing": { "MaxUtteranceSeconds": 1.5, "NoSpeechTimeoutSeconds": 1 } },
            "Button": { "Enabled": true, "Line": "17", "DebounceMs": 0, "Mode": "hold" },
            "Service": { "StateDirectory": "{{Json(Dir)}}", "LogLevel": "warning" }
            """);
        var env = new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = notify, ["WATCHDOG_USEC"] = "1000000" };
        var stderr = new StringWriter();
        var gpio = new FakeGpioDriver();
        var stt = new WedgedStt();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var run = Task.Run(() => RunCommand.RunAsync(
            ["--config", config],
            TextWriter.Null,
            stderr,
            new ApplianceHostOptions
            {
                Environment = env,
                AlsaConfigurationFile = devices.ConfigurationPath,
                PaceAudioInRealTime = true,
                GpioChips = gpio.Chips(),
                ConfigureLogging = _ => { },
                WrapEngines = e => e with { Vad = new AlwaysSpeech(e.Vad), Stt = stt },
            },
            env,
            cts.Token));
        try
        {
            var notifications = new NotifyReader(socket);
            notifications.WaitFor("READY=1", run, stderr);
            notifications.WaitFor("WATCHDOG=1", run, stderr); // healthy while idle

            // Hold to talk (the VAD hears speech), release: the turn goes to the STT engine, which never returns.
            var button = gpio.WaitForInput(17);
            button.Press();
            await Task.Delay(300, cts.Token);
            button.Release();
            await stt.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));

            // The turn watchdog ends the session, but the engine ignores the cancellation: the pipeline is wedged
            // and systemd must restart it, so the pings stop (several intervals of silence).
            notifications.WaitForSilence("WATCHDOG=1", TimeSpan.FromSeconds(3), run, stderr);
            Assert.False(run.IsCompleted, stderr.ToString());

            // The engine returns: healthy again, the pings resume (the silence was the wedge, not a dead notifier).
            stt.Release.TrySetResult();
            notifications.WaitFor("WATCHDOG=1", run, stderr);
        }
        finally
        {
            stt.Release.TrySetResult();
            await cts.CancelAsync();
        }

        Assert.Equal(ExitCodes.Ok, await run.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [RequiresFileFact("silero_vad_v5.onnx", "the daemon loads its real engines")]
    public async Task A_dead_capture_thread_makes_the_daemon_exit_non_zero()
    {
        var devices = new AlsaFileDevices(Path.Combine(Dir, "asoundrc"));
        devices.AddSilentCapture("mic");
        devices.AddPlayback("speaker", Path.Combine(Dir, "speaker.wav"));
        var config = WriteConfig(
            $$"""
            "Audio": { "CaptureDevice": "mic", "PlaybackDevice": "speaker", "MicProfile": "generic", "CaptureRate": 16000, "Channel": "0" },
            "Models": { "Directory": "{{Json(TestPaths.Models)}}", "Stt": "grammar" },
            "Workflow": { "Kind": "intents", "IntentsFile": "{{Json(Path.Combine(TestPaths.Root, "config", "intents.json"))}}" },
            "Service": { "StateDirectory": "{{Json(Dir)}}", "LogLevel": "warning" }
            """);
        var stderr = new StringWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var code = await RunCommand.RunAsync(
            ["--config", config],
            TextWriter.Null,
            stderr,
            new ApplianceHostOptions
            {
                AlsaConfigurationFile = devices.ConfigurationPath,
                ConfigureLogging = _ => { },
                WrapEngines = e => e with { Capture = new DeadCapture() },
            },
            new Dictionary<string, string?>(),
            cts.Token);
        Assert.False(cts.IsCancellationRequested, "the daemon kept running with a dead microphone");
        Assert.Equal(ExitCodes.Software, code);
    }


    /// <summary>An STT engine stuck in native code: it ignores cancellation until the test releases it.</summary>
    private sealed class WedgedStt : ISpeechToText
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "wedged";

        public async IAsyncEnumerable<TranscriptSegment> TranscribeAsync(ReadOnlyMemory<float> audio, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            await Release.Task.ConfigureAwait(false); // deliberately not observing cancellationToken
            yield break;
        }
    }

    /// <summary>The real VAD's shape, hearing speech in every window (the file microphone is silent).</summary>
    private sealed class AlwaysSpeech(IVoiceActivityDetector inner) : IVoiceActivityDetector
    {
        public int SampleRate => inner.SampleRate;

        public int WindowSamples => inner.WindowSamples;

        public float Process(ReadOnlySpan<float> window) => 0.95f;

        public void Reset()
        {
        }

        public void Dispose()
        {
        }
    }

    /// <summary>A microphone whose capture thread died: ended, with the failure.</summary>
    private sealed class DeadCapture : IBlockingAudioCapture
    {
        public int SampleRate => 16000;

        public long DroppedSamples => 0;

        public bool HasEnded => true;

        public Exception? Failure { get; } = new InvalidOperationException("snd_pcm_readi exploded");

        public int BufferedSamples => 0;

        public int TryRead(Span<float> destination) => 0;

        public bool WaitForSamples(int count, TimeSpan timeout, CancellationToken cancellationToken) => true;

        public ValueTask<bool> ReadAsync(Memory<float> destination, CancellationToken cancellationToken) => ValueTask.FromResult(false);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
