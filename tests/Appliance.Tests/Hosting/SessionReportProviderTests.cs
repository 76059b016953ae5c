using System.Net;
using System.Net.Sockets;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Cli;
using VoiceAppliance.Hosting;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Testing;
using VoiceAppliance.Tests.Mqtt;

namespace VoiceAppliance.Tests.Hosting;

/// <summary>
/// The MQTT session reports carry each turn's <c>provider</c> and <c>fallback_reason</c>: the daemon on ALSA file
/// PCMs with Piper, a real mosquitto, and a cloud TTS whose server refuses connections.
/// </summary>
public sealed class SessionReportProviderTests() : DaemonTestsBase("report-provider")
{
    [Fact]
    public void Turn_metrics_provider_and_fallback_become_report_fields()
    {
        var metrics = new TurnMetrics { Provider = "stt=grammar tts=piper", FallbackReason = "tts: cloud-tts http_503 -> piper" };
        var turn = EventBridgeService.ToReport(new TurnEndedEvent(0, "what time is it", null, "It is noon.", false, metrics) { SessionId = "s" })!;
        Assert.Equal(("stt=grammar tts=piper", "tts: cloud-tts http_503 -> piper"), (turn.Provider, turn.FallbackReason));
        var ended = EventBridgeService.ToReport(new SessionEndedEvent(SessionEndReason.Nominal, 1, TimeSpan.FromSeconds(2), metrics, null) { SessionId = "s" })!;
        Assert.Equal(("stt=grammar tts=piper", "tts: cloud-tts http_503 -> piper"), (ended.Provider, ended.FallbackReason));
        var plain = EventBridgeService.ToReport(new SessionEndedEvent(SessionEndReason.Nominal, 1, TimeSpan.FromSeconds(2), new TurnMetrics(), null) { SessionId = "s" })!;
        Assert.Null(plain.Provider);
        Assert.Null(plain.FallbackReason);
    }

    [RequiresFileFact("piper/en_US-libritts_r-medium/model.onnx", "the fallback speaks with the Piper voice")]
    public async Task A_say_whose_cloud_tts_is_unreachable_reports_piper_and_the_fallback_over_mqtt()
    {
        using var broker = MosquittoBroker.Start();
        var devices = new AlsaFileDevices(Path.Combine(Dir, "asoundrc"));
        devices.AddSilentCapture("mic");
        devices.AddPlayback("speaker", Path.Combine(Dir, "speaker.wav"));
        var deadPort = ClosedPort();
        var config = Path.Combine(Dir, "appliance.json");
        File.WriteAllText(config, $$"""
            {
              "Audio": { "CaptureDevice": "mic", "PlaybackDevice": "speaker", "MicProfile": "generic", "CaptureRate": 16000, "Channel": "0" },
              "Models": { "Directory": "{{Json(TestPaths.Models)}}", "Stt": "grammar" },
              "Workflow": { "Kind": "intents", "IntentsFile": "{{Json(Path.Combine(TestPaths.Root, "config", "intents.json"))}}" },
              "Cloud": { "Tts": { "BaseUrl": "http://127.0.0.1:{{deadPort}}/v1", "Model": "tts-1", "Name": "test-tts", "MaxAttempts": 1 } },
              "Mqtt": { "Enabled": true, "Host": "127.0.0.1", "Port": {{broker.Port}}, "DeviceId": "rep", "StateDirectory": "{{Json(Dir)}}",
                        "HomeAssistantDiscovery": false },
              "Service": { "StateDirectory": "{{Json(Dir)}}", "LogLevel": "error" }
            }
            """);
        using var peer = new TestPeer(broker.Port, null, true, "appliance/rep/#");
        var stderr = new StringWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var env = new Dictionary<string, string?>();
        var run = Task.Run(() => RunCommand.RunAsync(
            ["--config", config],
            TextWriter.Null,
            stderr,
            new ApplianceHostOptions { Environment = env, AlsaConfigurationFile = devices.ConfigurationPath, PaceAudioInRealTime = true, ConfigureLogging = _ => { } },
            env,
            cts.Token));

        peer.WaitFor("appliance/rep/state", m => m.Json.GetProperty("state").GetString() == "idle", 30);
        peer.Publish("appliance/rep/cmd/say", "Hello from the test.");
        var ended = peer.WaitFor("appliance/rep/event/session", m => m.Json.GetProperty("event_type").GetString() == "session_ended", 60).Json;
        var turn = peer.WaitFor("appliance/rep/event/session", m => m.Json.GetProperty("event_type").GetString() == "turn_ended", 10).Json;

        foreach (var report in new[] { turn, ended })
        {
            var provider = report.GetProperty("provider").GetString()!;
            Assert.Contains("tts=piper", provider, StringComparison.Ordinal);
            var fallback = report.GetProperty("fallback_reason").GetString()!;
            Assert.Contains("test-tts", fallback, StringComparison.Ordinal);
            Assert.Contains("connect_failed", fallback, StringComparison.Ordinal);
            Assert.Contains("piper", fallback, StringComparison.Ordinal);
        }

        await cts.CancelAsync();
        var code = await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(code == ExitCodes.Ok, stderr.ToString());
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

}
