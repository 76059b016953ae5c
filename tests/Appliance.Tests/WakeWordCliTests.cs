using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Cli;
using VoiceAppliance.Models.Piper;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests;

/// <summary>wake-score on WAV files and wake-test through a real ALSA file PCM, with openWakeWord's real weights.</summary>
public sealed class WakeWordCliTests : IDisposable
{
    private const string Jarvis = "openwakeword/hey_jarvis_v0.1.onnx";
    private const string Why = "openWakeWord's real weights";
    private readonly string _dir = TestPaths.NewTempDirectory("wake-cli");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [RequiresFileFact(Jarvis, Why)]
    public async Task Wake_score_prints_the_detection_with_its_time_and_score_and_each_words_highest_score()
    {
        var wav = WriteSpeech("jarvis.wav", "Hey Jarvis, turn on the kitchen light.", silenceBefore: 1.0);
        var (code, output, err) = await Run("wake-score", wav, "--model", "hey_jarvis", "--model", "alexa:0.6");
        Assert.True(code == 0, err + output);
        var line = Assert.Single(output.Split('\n'), l => l.StartsWith("wake 1: hey_jarvis at ", StringComparison.Ordinal));
        var time = double.Parse(line.Split(' ')[4], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(time, 1.2, 2.6);
        // hey_jarvis takes its tuned default rule; alexa the threshold given, with its own default patience.
        var (threshold, patience) = Models.WakeWord.WakeWordTarget.DefaultRule("hey_jarvis");
        Assert.Matches(@"score \d\.\d{3} \(threshold " + threshold.ToString("F2", System.Globalization.CultureInfo.InvariantCulture).Replace(".", "\\.", StringComparison.Ordinal) + $@", patience {patience}\)", line);
        Assert.Contains("alexa: highest score 0.", output, StringComparison.Ordinal);
        Assert.Contains($"threshold 0.60, patience {Models.WakeWord.WakeWordTarget.DefaultRule("alexa").Patience}", output, StringComparison.Ordinal);
        Assert.DoesNotContain("wake 2:", output, StringComparison.Ordinal);
    }

    [RequiresFileFact(Jarvis, Why)]
    public async Task Wake_score_of_speech_without_the_word_exits_1_and_every_frame_can_be_listed()
    {
        var wav = WriteSpeech("other.wav", "Turn on the kitchen light.", silenceBefore: 0.5);
        var (code, output, _) = await Run("wake-score", wav, "--scores");
        Assert.Equal(1, code);
        Assert.Contains("openwakeword: 0 detection(s)", output, StringComparison.Ordinal);
        Assert.Contains("hey_jarvis 0.0", output, StringComparison.Ordinal);
    }

    [RequiresFileFact(Jarvis, Why)]
    public async Task Wake_score_rejects_bad_options_and_models_with_the_documented_codes()
    {
        var wav = WriteSpeech("x.wav", "Hello.", silenceBefore: 0);
        Assert.Equal(ExitCodes.Usage, (await Run("wake-score", wav, "--threshold", "1.5")).Code);
        Assert.Equal(ExitCodes.Usage, (await Run("wake-score", wav, "--model", "hey_jarvis:0")).Code);
        Assert.Equal(ExitCodes.Usage, (await Run("wake-score", wav, "--patience", "0")).Code);
        Assert.Equal(ExitCodes.Usage, (await Run("wake-score", wav, "--patience", "11")).Code);
        var (fine, _, fineErr) = await Run("wake-score", wav, "--fine-hop", "1.5");
        Assert.Equal(ExitCodes.Usage, fine);
        Assert.Contains("--fine-hop '1.5'", fineErr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, (await Run("wake-score", wav, "--fine-hop", "sometimes")).Code);
        Assert.Equal(1, (await Run("wake-score", wav, "--fine-hop", "off")).Code);
        Assert.Equal(1, (await Run("wake-score", wav, "--fine-hop", "0")).Code);
        Assert.Equal(ExitCodes.Usage, (await Run("wake-score")).Code);
        var (missing, _, missingErr) = await Run("wake-score", wav, "--model", "hey_nobody");
        Assert.Equal(ExitCodes.MissingDependency, missing);
        Assert.Contains("hey_nobody_v0.1.onnx", missingErr, StringComparison.Ordinal);
        var (wrong, _, wrongErr) = await Run("wake-score", wav, "--model", TestPaths.Model("silero_vad_v5.onnx"));
        Assert.Equal(ExitCodes.DataError, wrong);
        Assert.Contains("wake word classifier", wrongErr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.DataError, (await Run("wake-score", Path.Combine(_dir, "absent.wav"))).Code);
    }

    [RequiresFileFact(Jarvis, Why)]
    public async Task Wake_test_meters_a_capture_device_and_reports_the_detection()
    {
        var speech = SpeechSamples.Synthesize16kHz("Hey Jarvis.");
        float[] audio = [.. new float[16000], .. speech, .. new float[24000]];
        var raw = Path.Combine(_dir, "mic.raw");
        AlsaFileDevices.WriteRaw(raw, audio, AlsaSampleFormat.S16LE);
        var devices = new AlsaFileDevices(Path.Combine(_dir, "asoundrc"));
        devices.AddCapture("wakemic", raw);
        var seconds = (audio.Length / 16000.0).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
        var (code, output, err) = await Run("wake-test", "--device", "wakemic", "--alsa-config", devices.ConfigurationPath, "--seconds", seconds);
        Assert.True(code == 0, err + output);
        Assert.Single(output.Split('\n'), l => l.StartsWith("DETECTED hey_jarvis at ", StringComparison.Ordinal));
        Assert.Contains("hey_jarvis 0.", output, StringComparison.Ordinal);
        Assert.Contains("CPU in the chain: melspectrogram", output, StringComparison.Ordinal);

        var (bad, _, badErr) = await Run("wake-test", "--device", "nosuchpcm", "--alsa-config", devices.ConfigurationPath, "--seconds", "1");
        Assert.Equal(ExitCodes.MissingDependency, bad);
        Assert.Contains("nosuchpcm", badErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_list_marks_the_pretrained_wake_words_non_commercial_and_the_feature_models_apache()
    {
        var (code, output, err) = await Run("models", "list");
        Assert.True(code == 0, err);
        var lines = output.Split('\n');
        foreach (var word in new[] { "hey-jarvis", "hey-mycroft", "hey-rhasspy", "alexa" })
        {
            Assert.Contains("NON-COMMERCIAL", Assert.Single(lines, l => l.StartsWith($"openwakeword-{word} ", StringComparison.Ordinal)), StringComparison.Ordinal);
        }

        Assert.Contains("Apache-2.0", Assert.Single(lines, l => l.StartsWith("openwakeword-embedding ", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("Apache-2.0", Assert.Single(lines, l => l.StartsWith("openwakeword-melspectrogram ", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await CommandLine.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string WriteSpeech(string name, string text, double silenceBefore)
    {
        var speech = SpeechSamples.Synthesize16kHz(text);
        float[] audio = [.. new float[(int)(silenceBefore * 16000)], .. speech, .. new float[8000]];
        var path = Path.Combine(_dir, name);
        WavFile.WritePcm16(path, audio, 16000);
        return path;
    }
}
