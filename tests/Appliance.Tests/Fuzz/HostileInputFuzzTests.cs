using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Cli;
using VoiceAppliance.Configuration;
using VoiceAppliance.Models.Onnx;
using VoiceAppliance.Mqtt;
using VoiceAppliance.Testing;
using Xunit.Abstractions;

namespace VoiceAppliance.Tests.Fuzz;

/// <summary>
/// Hostile input, generated from fixed seeds and bounded in count so CI stays fast, plus the corpus in
/// <c>Fuzz/Corpus</c> (every input that ever failed). Each input goes through the real parser of its kind and must
/// end in the documented outcome (accepted, or the typed error the CLI maps to its exit code and the daemon to an
/// error event), with memory proportional to the input's size, never to what it claims. The subprocess test runs
/// the real commands and checks their exit codes and peak RSS (GNU time's maximum resident set) against a budget.
/// </summary>
public sealed class HostileInputFuzzTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>Extra peak RSS a hostile input may cost a command over the same command on a valid input.</summary>
    private const long RssBudgetKb = 64 * 1024;

    private readonly string _dir = TestPaths.NewTempDirectory("fuzz");

    private static string Corpus(string kind) => Path.Combine(TestPaths.Root, "tests", "Appliance.Tests", "Fuzz", "Corpus", kind);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Hostile_wav_files_are_parsed_or_refused_with_memory_bounded_by_their_size()
    {
        var inputs = Directory.EnumerateFiles(Corpus("wav")).Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(f), File.ReadAllBytes(f))).ToList();
        Assert.True(inputs.Count >= 10, "the WAV corpus is missing");
        var rng = new Random(20261130);
        for (var i = 0; i < 2000; i++)
        {
            inputs.Add(($"generated-{i}", HostileWav(rng)));
        }

        var (accepted, refused) = (0, 0);
        var worst = 0.0;
        var clock = Stopwatch.StartNew();
        foreach (var (name, bytes) in inputs)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                var audio = WavFile.Parse(bytes);
                Assert.InRange(audio.SampleRate, WavFile.MinSampleRate, WavFile.MaxSampleRate);
                Assert.InRange(audio.Channels, 1, WavFile.MaxChannels);
                accepted++;
            }
            catch (InvalidWavException)
            {
                refused++;
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated <= (8L * bytes.Length) + (64 * 1024), $"{name}: {allocated} bytes allocated for a {bytes.Length}-byte WAV");
            worst = Math.Max(worst, (double)allocated / Math.Max(1, bytes.Length));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"WAV: {inputs.Count} inputs, {accepted} accepted, {refused} refused, worst allocation {worst:0.0} bytes per input byte, {clock.Elapsed.TotalMilliseconds:0} ms"));
        Assert.True(refused > inputs.Count / 2, "the generator stopped producing hostile WAVs");
        Assert.True(accepted > 0, "the generator stopped producing valid WAVs (nothing checks the accepting path)");
    }

    [Fact]
    public void Damaged_onnx_files_are_refused_by_the_structural_check_or_keep_their_structure()
    {
        var model = File.ReadAllBytes(TestPaths.Model("silero_vad_v5.onnx"));
        var rng = new Random(7);
        var (passed, refused, truncations) = (0, 0, 0);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 300; i++)
        {
            var (recipe, bytes) = DamagedModel(model, rng, i);
            var truncated = bytes.Length < model.Length;
            truncations += truncated ? 1 : 0;
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                OnnxModelCheck.Check(bytes, recipe);
                Assert.False(truncated, $"{recipe}: a truncated model passed the check");
                passed++;
            }
            catch (InvalidDataException ex)
            {
                Assert.Contains(recipe, ex.Message, StringComparison.Ordinal);
                refused++;
            }

            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024, $"{recipe}: the check allocated");
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ONNX: 300 damaged Silero models, {refused} refused by the structural check, {passed} kept their structure (weights or values damaged), {clock.Elapsed.TotalMilliseconds:0} ms"));
        Assert.Equal(75, truncations);
        Assert.True(refused > truncations, $"only {refused} of 300 damaged models were refused: flipped structure bytes should be among them");
    }

    [Fact]
    public void Hostile_configuration_files_end_in_reported_issues_never_an_exception()
    {
        var template = File.ReadAllText(Path.Combine(TestPaths.Root, "config", "smart-speaker.json"));
        var inputs = Directory.EnumerateFiles(Corpus("json")).Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(f), File.ReadAllText(f))).ToList();
        Assert.True(inputs.Count >= 5, "the configuration corpus is missing");
        var rng = new Random(99);
        for (var i = 0; i < 600; i++)
        {
            inputs.Add(($"generated-{i}", HostileJson(template, rng)));
        }

        var (clean, withErrors) = (0, 0);
        var clock = Stopwatch.StartNew();
        foreach (var (name, json) in inputs)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var loaded = ApplianceConfiguration.CreateDefault().LoadJson(json, new Dictionary<string, string?>());
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated <= (32L * json.Length) + (2 * 1024 * 1024), $"{name}: {allocated} bytes allocated for {json.Length} characters");
            if (loaded.HasErrors)
            {
                var error = Assert.IsType<ConfigurationException>(Record.Exception(loaded.ThrowIfInvalid));
                Assert.NotEmpty(error.Issues);
                Assert.All(error.Issues.Where(x => x.Severity == ConfigSeverity.Error), x => Assert.False(string.IsNullOrWhiteSpace(x.Message)));
                withErrors++;
            }
            else
            {
                clean++;
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"config: {inputs.Count} inputs, {withErrors} with errors, {clean} clean, {clock.Elapsed.TotalMilliseconds:0} ms"));
        Assert.True(withErrors > inputs.Count / 2, "the generator stopped producing bad configurations");
    }

    [Fact]
    public void Hostile_mqtt_payloads_on_every_command_topic_are_parsed_or_refused_within_bounds()
    {
        var options = new MqttOptions();
        var inputs = new List<(string Name, string Command, byte[] Payload)>();
        foreach (var file in Directory.EnumerateFiles(Corpus("mqtt")).Order(StringComparer.Ordinal))
        {
            var stem = Path.GetFileNameWithoutExtension(file);
            var command = stem[..stem.LastIndexOf("--", StringComparison.Ordinal)].Replace("--", "/", StringComparison.Ordinal);
            inputs.Add((Path.GetFileName(file), command, File.ReadAllBytes(file)));
        }

        Assert.True(inputs.Count >= 5, "the MQTT corpus is missing");
        var rng = new Random(4242);
        for (var i = 0; i < 4000; i++)
        {
            var command = MqttCommandParser.Names[rng.Next(MqttCommandParser.Names.Count)];
            inputs.Add(($"generated-{i}", command, HostilePayload(command, rng)));
        }

        var (accepted, refused) = (0, 0);
        var clock = Stopwatch.StartNew();
        foreach (var (name, command, payload) in inputs)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                _ = MqttCommandParser.Parse(command, payload, options);
                accepted++;
            }
            catch (BadCommandException ex)
            {
                Assert.False(string.IsNullOrWhiteSpace(ex.Message));
                refused++;
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated <= (16L * payload.Length) + (256 * 1024), $"{name} on {command}: {allocated} bytes allocated for a {payload.Length}-byte payload");
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MQTT: {inputs.Count} payloads on {MqttCommandParser.Names.Count} command topics, {accepted} accepted, {refused} refused, {clock.Elapsed.TotalMilliseconds:0} ms"));
        Assert.True(refused > inputs.Count / 2, "the generator stopped producing hostile payloads");
    }

    [RequiresProgramFact("time")]
    public async Task Hostile_files_through_the_real_commands_exit_as_documented_within_the_memory_budget()
    {
        var speech = Path.Combine(_dir, "speech.wav");
        var jfk = WavFile.Read(TestPaths.Model("samples/jfk.wav"));
        WavFile.WritePcm16(speech, jfk.Samples.AsSpan(0, jfk.SampleRate * 2), jfk.SampleRate);
        var model = TestPaths.Model("silero_vad_v5.onnx");

        var vadBaseline = await Measure("vad", speech);
        Assert.Equal(ExitCodes.Ok, vadBaseline.Code);
        var runs = new List<string>();

        foreach (var wav in Directory.EnumerateFiles(Corpus("wav")).Order(StringComparer.Ordinal))
        {
            var run = await Measure("vad", wav);
            Check(run, vadBaseline, [ExitCodes.DataError], "vad " + Path.GetFileName(wav));
            runs.Add($"vad {Path.GetFileName(wav)}: exit {run.Code}, {run.PeakKb / 1024} MB");
        }

        var bytes = File.ReadAllBytes(model);
        var rng = new Random(11);
        for (var i = 0; i < 8; i++)
        {
            var (recipe, damaged) = DamagedModel(bytes, rng, i);
            var path = Path.Combine(_dir, $"damaged-{i}.onnx");
            File.WriteAllBytes(path, damaged);
            var run = await Measure("vad", speech, "--model", path);

            // Refused (65) or, when only values were damaged, run: speech found (0) or, with wrong numbers, none (1);
            // never an abort (134) or a crash.
            Check(run, vadBaseline, [ExitCodes.DataError, ExitCodes.Ok, ExitCodes.NothingFound], $"vad --model ({recipe})");
            runs.Add($"vad --model {recipe}: exit {run.Code}, {run.PeakKb / 1024} MB");
        }

        var good = Path.Combine(_dir, "good.json");
        File.WriteAllText(good, "{}");
        var configBaseline = await Measure("config", "check", "--portable", "--config", good);
        Assert.Equal(ExitCodes.Ok, configBaseline.Code);
        foreach (var json in Directory.EnumerateFiles(Corpus("json")).Order(StringComparer.Ordinal))
        {
            var run = await Measure("config", "check", "--portable", "--config", json);

            // A null section is the same as an absent one (defaults); every other corpus file has errors.
            Check(run, configBaseline, [Path.GetFileName(json) == "null-sections.json" ? ExitCodes.Ok : ExitCodes.Config], "config check " + Path.GetFileName(json));
            runs.Add($"config check {Path.GetFileName(json)}: exit {run.Code}, {run.PeakKb / 1024} MB");
        }

        output.WriteLine($"baselines: vad {vadBaseline.PeakKb / 1024} MB, config check {configBaseline.PeakKb / 1024} MB; budget +{RssBudgetKb / 1024} MB");
        runs.ForEach(output.WriteLine);
    }

    private static void Check((int Code, long PeakKb, string Err) run, (int Code, long PeakKb, string Err) baseline, int[] allowed, string what)
    {
        Assert.True(allowed.Contains(run.Code), $"{what}: exit {run.Code}, expected {string.Join(" or ", allowed)}: {run.Err}");
        Assert.DoesNotContain("   at ", run.Err, StringComparison.Ordinal); // no stack trace
        Assert.True(run.PeakKb <= baseline.PeakKb + RssBudgetKb, $"{what}: peak RSS {run.PeakKb} kB against {baseline.PeakKb} kB for a valid input");
    }

    private async Task<(int Code, long PeakKb, string Err)> Measure(params string[] args)
    {
        var report = Path.Combine(_dir, $"time-{Guid.NewGuid():N}.txt");
        var psi = new ProcessStartInfo("time", ["-f", "%M", "-o", report, "dotnet", Path.Combine(AppContext.BaseDirectory, "appliance.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi)!;
        var err = process.StandardError.ReadToEndAsync();
        _ = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        var lines = File.ReadAllLines(report);

        // GNU time writes "Command exited with non-zero status N" before the figure when the command failed.
        return (process.ExitCode, long.Parse(lines[^1], CultureInfo.InvariantCulture), await err);
    }

    private static byte[] HostileWav(Random rng)
    {
        int[] rates = [0, -1, 1, 3999, 4000, 8000, 16000, 44100, 384000, 384001, int.MaxValue, int.MinValue, rng.Next()];
        int[] channels = [0, 1, 2, 4, 32, 33, 65535];
        int[] bits = [0, 1, 7, 8, 12, 16, 24, 32, 33, 64, 65535];
        int[] formats = [0, 1, 2, 3, 6, 7, 0xFFFE, 0xFFFF];
        var dataLength = rng.Next(0, 4096);
        var claimed = rng.Next(4) switch { 0 => dataLength, 1 => int.MaxValue, 2 => -1, _ => rng.Next() };
        var wav = new byte[44 + dataLength];
        "RIFF"u8.CopyTo(wav);
        BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(4), rng.Next(3) == 0 ? rng.Next() : wav.Length - 8);
        "WAVE"u8.CopyTo(wav.AsSpan(8));
        "fmt "u8.CopyTo(wav.AsSpan(12));
        BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(16), rng.Next(5) == 0 ? rng.Next(-5, 64) : 16);
        BinaryPrimitives.WriteUInt16LittleEndian(wav.AsSpan(20), (ushort)formats[rng.Next(formats.Length)]);
        BinaryPrimitives.WriteUInt16LittleEndian(wav.AsSpan(22), (ushort)channels[rng.Next(channels.Length)]);
        BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(24), rates[rng.Next(rates.Length)]);
        BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(28), rng.Next());
        BinaryPrimitives.WriteUInt16LittleEndian(wav.AsSpan(32), (ushort)rng.Next(0, 300));
        BinaryPrimitives.WriteUInt16LittleEndian(wav.AsSpan(34), (ushort)bits[rng.Next(bits.Length)]);
        (rng.Next(6) == 0 ? "LIST"u8 : "data"u8).CopyTo(wav.AsSpan(36));
        BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(40), claimed);
        rng.NextBytes(wav.AsSpan(44));
        for (var flips = rng.Next(3) == 0 ? rng.Next(1, 6) : 0; flips > 0; flips--)
        {
            wav[rng.Next(wav.Length)] ^= (byte)(1 << rng.Next(8));
        }

        return rng.Next(5) == 0 ? wav[..rng.Next(0, wav.Length)] : wav;
    }

    private static (string Recipe, byte[] Bytes) DamagedModel(byte[] model, Random rng, int i)
    {
        var copy = (byte[])model.Clone();
        switch (i % 4)
        {
            case 0:
                var cut = rng.Next(1, model.Length);
                return ($"silero_vad_v5.onnx truncated at {cut}", copy[..cut]);
            case 1:
                // The header (ir_version, producer, the graph's tag and length) is the first bytes; the rest is
                // mostly weights, where a flip is only a wrong number.
                var at = rng.Next(0, 48);
                var bit = rng.Next(8);
                copy[at] ^= (byte)(1 << bit);
                return ($"silero_vad_v5.onnx byte {at} bit {bit} flipped", copy);
            case 2:
                var from = rng.Next(0, model.Length - 64);
                rng.NextBytes(copy.AsSpan(from, 64));
                return ($"silero_vad_v5.onnx 64 random bytes at {from}", copy);
            default:
                var zero = rng.Next(0, model.Length - 4096);
                copy.AsSpan(zero, 4096).Clear();
                return ($"silero_vad_v5.onnx 4096 bytes zeroed at {zero}", copy);
        }
    }

    private static string HostileJson(string template, Random rng)
    {
        string[] values = ["null", "true", "-1", "0", "1e309", "-1e309", "2147483648", "99999999999999999999", "\"\"", "\"x\"", "[]", "{}", "[1,2,3]", "{\"a\":{\"b\":{}}}", "\"\\u0000\"", "\"" + new string('z', rng.Next(0, 5000)) + "\"", "0.5", "\"on\""];
        var text = new StringBuilder(template);
        switch (rng.Next(4))
        {
            case 0:
            case 1:
                // Replace a few values (the text after a colon up to the next comma or brace) with hostile ones.
                for (var k = rng.Next(1, 6); k > 0; k--)
                {
                    var s = text.ToString();
                    var colon = s.IndexOf(':', rng.Next(s.Length));
                    if (colon < 0)
                    {
                        continue;
                    }

                    var end = s.IndexOfAny([',', '}', '\n'], colon + 1);
                    if (end < 0)
                    {
                        continue;
                    }

                    text.Remove(colon + 1, end - colon - 1).Insert(colon + 1, " " + values[rng.Next(values.Length)]);
                }

                return text.ToString();
            case 2:
                // Byte-level damage: deletions, duplications and stray characters.
                for (var k = rng.Next(1, 8); k > 0 && text.Length > 2; k--)
                {
                    var at = rng.Next(text.Length);
                    _ = rng.Next(3) switch
                    {
                        0 => text.Remove(at, Math.Min(rng.Next(1, 20), text.Length - at)),
                        1 => text.Insert(at, text.ToString(at, Math.Min(rng.Next(1, 40), text.Length - at))),
                        _ => text.Insert(at, "{[\":,}]\\"[rng.Next(8)]),
                    };
                }

                return text.ToString();
            default:
                // Unknown sections and keys, nested deep.
                var depth = rng.Next(1, 200);
                return "{\"" + (rng.Next(2) == 0 ? "Audio" : "Nope") + "\":" + string.Concat(Enumerable.Repeat("{\"k\":", depth)) + values[rng.Next(values.Length)] + new string('}', depth) + "}";
        }
    }

    private static byte[] HostilePayload(string command, Random rng)
    {
        string[] fragments = ["{", "}", "[", "]", "\"text\"", "\"volume\"", "\"muted\"", "\"targets\"", "\"id\"", "\"voice\"", ":", ",", "null", "true", "false", "1e309", "-1", "101", "2147483648", "0.5", "\"\\u0000\"", "\"\\ud800\"", "ON", "OFF", "\u00e9", "\ud83d\ude00"];
        switch (rng.Next(7))
        {
            case 0:
                return [];
            case 1:
                var random = new byte[rng.Next(1, 256)];
                rng.NextBytes(random);
                return random;
            case 2:
                var sb = new StringBuilder();
                for (var k = rng.Next(1, 16); k > 0; k--)
                {
                    sb.Append(fragments[rng.Next(fragments.Length)]);
                }

                return Encoding.UTF8.GetBytes(sb.ToString());
            case 3:
                // Long text, or a long say (past the 1000-character limit) with control characters.
                var length = rng.Next(2) == 0 ? 100_000 : rng.Next(900, 1100);
                var text = new StringBuilder(length);
                for (var k = 0; k < length; k++)
                {
                    text.Append(rng.Next(20) == 0 ? (char)rng.Next(0, 32) : (char)('a' + rng.Next(26)));
                }

                return Encoding.UTF8.GetBytes(command == "say" && rng.Next(2) == 0 ? "{\"text\":\"" + text.ToString().Replace("\"", string.Empty, StringComparison.Ordinal).Replace("\\", string.Empty, StringComparison.Ordinal) + "\"}" : text.ToString());
            case 4:
                // Invalid UTF-8 inside JSON.
                return [.. "{\"text\":\""u8, 0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, .. "\"}"u8];
            case 5:
                // A megabyte (command topics are limited well below that).
                var big = new byte[1024 * 1024];
                rng.NextBytes(big);
                "RIFF"u8.CopyTo(big);
                return big;
            default:
                // Deep nesting.
                var depth = rng.Next(10, 2000);
                return Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth));
        }
    }
}
