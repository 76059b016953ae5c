using System.Net.Sockets;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Cli;
using VoiceAppliance.Hosting;
using VoiceAppliance.Models.Piper;
using VoiceAppliance.Testing;
using VoiceAppliance.Tests.Mqtt;

namespace VoiceAppliance.Tests.Hosting;

/// <summary>
/// <c>appliance run</c> with <c>Pipeline:WakeWord</c> on real parts: an ALSA file PCM microphone that says "hey jarvis,
/// turn on the kitchen light", the provisioned openWakeWord, Silero, pocketsphinx and Piper models, and a real
/// mosquitto broker that receives the wake event and the session.
/// </summary>
public sealed class WakeWordHostTests() : DaemonTestsBase("wake-host")
{
    [RequiresFileFact("openwakeword/hey_jarvis_v0.1.onnx", "openWakeWord's real weights")]
    public async Task The_daemon_starts_a_session_on_the_wake_word_and_reports_it_over_mqtt()
    {
        using var broker = MosquittoBroker.Start();
        var speech = SpeechSamples.Synthesize16kHz("Hey Jarvis, turn on the kitchen light.");
        var noise = new Random(3);
        float[] audio = [.. new float[24000], .. speech, .. new float[16000 * 6]];
        for (var i = 0; i < audio.Length; i++)
        {
            audio[i] = (audio[i] * 0.7f) + (float)((noise.NextDouble() - 0.5) * 0.004);
        }

        var raw = Path.Combine(Dir, "mic.raw");
        AlsaFileDevices.WriteRaw(raw, audio, AlsaSampleFormat.S16LE);
        var devices = new AlsaFileDevices(Path.Combine(Dir, "asoundrc"));
        devices.AddCapture("mic", raw);
        devices.AddPlayback("speaker", Path.Combine(Dir, "speaker.wav"));
        var config = Path.Combine(Dir, "appliance.json");
        File.WriteAllText(config, $$"""
            {
            "Audio": { "CaptureDevice": "mic", "PlaybackDevice": "speaker", "MicProfile": "generic", "CaptureRate": 16000, "Channel": "0" },
            "Models": { "Directory": "{{TestPaths.Models}}", "Stt": "grammar" },
            "Workflow": { "Kind": "intents", "IntentsFile": "{{Path.Combine(TestPaths.Root, "config", "intents.json")}}" },
            "Pipeline": { "WakeWord": { "Enabled": true, "Words": [ { "Model": "hey_jarvis", "Threshold": 0.5 } ] } },
            "Mqtt": { "Enabled": true, "Host": "127.0.0.1", "Port": {{broker.Port}}, "DeviceId": "wake", "StateDirectory": "{{Dir}}", "HomeAssistantDiscovery": false },
            "Service": { "StateDirectory": "{{Dir}}", "LogLevel": "warning" }
            }
            """);
        using var peer = new TestPeer(broker.Port, null, true, "appliance/wake/#");
        var notify = Path.Combine(Dir, "notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(notify));
        var env = new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = notify };
        var stderr = new StringWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var run = Task.Run(() => RunCommand.RunAsync(
            ["--config", config],
            TextWriter.Null,
            stderr,
            new ApplianceHostOptions { Environment = env, AlsaConfigurationFile = devices.ConfigurationPath, PaceAudioInRealTime = true, ConfigureLogging = _ => { } },
            env,
            cts.Token));

        var wake = peer.WaitFor("appliance/wake/event/session", m => m.Json.GetProperty("event_type").GetString() == "wake", 60);
        Assert.Equal("hey_jarvis", wake.Json.GetProperty("text").GetString());
        Assert.InRange(wake.Json.GetProperty("score").GetDouble(), 0.5, 1.0);
        Assert.Equal("listen", wake.Json.GetProperty("reason").GetString());
        var started = Assert.Single(peer.Snapshot(), m => m.Topic == "appliance/wake/event/session" && m.Json.GetProperty("event_type").GetString() == "session_started");
        Assert.Equal("wake_word", started.Json.GetProperty("trigger").GetString());
        Assert.Equal(started.Json.GetProperty("session_id").GetString(), wake.Json.GetProperty("session_id").GetString());
        var turn = peer.WaitFor("appliance/wake/event/session", m => m.Json.GetProperty("event_type").GetString() == "turn_ended", 60);
        Assert.Equal("turn on the kitchen light", turn.Json.GetProperty("text").GetString());

        await cts.CancelAsync();
        Assert.Equal(ExitCodes.Ok, await run);
    }
}
