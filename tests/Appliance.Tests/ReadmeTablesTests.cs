using System.Reflection;
using System.Text.RegularExpressions;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Cli;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests;

/// <summary>
/// The README's tables of exit codes and error events are what the code does: every code and source is listed, and
/// every <c>appliance ...</c> example in the exit-code table is run (in process, on the files it names, made here)
/// and exits with its row's code.
/// </summary>
public sealed partial class ReadmeTablesTests : IDisposable
{
    private readonly string _dir = TestPaths.NewTempDirectory("readme");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Every_exit_code_is_in_the_table_and_every_row_is_a_code()
    {
        var codes = typeof(ExitCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (int)f.GetRawConstantValue()!).Order().ToList();
        var rows = ExitCodeRows().Select(r => r.Code).Order().ToList();
        Assert.Equal(codes, rows);
    }

    [Fact]
    public void Every_error_source_is_in_the_table_and_every_row_is_a_source()
    {
        var rows = TableAfter("| source | cause |").Select(cells => cells[0]).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(PipelineErrorSource.All.Order(StringComparer.Ordinal), rows);
    }

    [RequiresFileFact("samples/jfk.wav", "the speech sample")]
    public async Task Each_example_command_exits_with_its_rows_code()
    {
        var jfk = WavFile.Read(TestPaths.Model("samples/jfk.wav"));
        WavFile.WritePcm16(Path.Combine(_dir, "speech.wav"), jfk.Samples, jfk.SampleRate);
        WavFile.WritePcm16(Path.Combine(_dir, "silence.wav"), new float[16000], 16000);
        var rate0 = File.ReadAllBytes(Path.Combine(_dir, "silence.wav"));
        BitConverter.GetBytes(0).CopyTo(rate0, 24);
        File.WriteAllBytes(Path.Combine(_dir, "rate-0.wav"), rate0);
        File.WriteAllBytes(Path.Combine(_dir, "truncated.onnx"), File.ReadAllBytes(TestPaths.Model("silero_vad_v5.onnx"))[..3000]);
        File.WriteAllText(Path.Combine(_dir, "bad.json"), """{"Models":{"WhisperThreads":0}}""");

        var ran = 0;
        foreach (var (code, examples) in ExitCodeRows())
        {
            foreach (Match m in CommandPattern().Matches(examples))
            {
                var args = m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                    .Select(a => a.Contains('.', StringComparison.Ordinal) || a.Contains('/', StringComparison.Ordinal) ? Path.Combine(_dir, a) : a)
                    .ToArray();
                if (args[0] == "run")
                {
                    continue; // the daemon's row: covered by the host tests (a dead capture thread exits 70)
                }

                using var stdout = new StringWriter();
                using var stderr = new StringWriter();
                var exit = await CommandLine.RunAsync(args, stdout, stderr, CancellationToken.None);
                Assert.True(code == exit, $"appliance {string.Join(' ', args)}: exit {exit}, the README says {code}: {stderr}");
                Assert.DoesNotContain("   at ", stderr.ToString(), StringComparison.Ordinal);
                ran++;
            }
        }

        Assert.True(ran >= 8, $"only {ran} examples ran");
    }

    private static List<(int Code, string Examples)> ExitCodeRows() =>
        TableAfter("| code | meaning | example |").Select(cells => (int.Parse(cells[0], System.Globalization.CultureInfo.InvariantCulture), cells[2])).ToList();

    private static List<string[]> TableAfter(string header)
    {
        var lines = File.ReadAllLines(Path.Combine(TestPaths.Root, "README.md"));
        var start = Array.IndexOf(lines, header);
        Assert.True(start >= 0, $"README.md has no table '{header}'");
        return lines.Skip(start + 2).TakeWhile(l => l.StartsWith('|'))
            .Select(l => l.Trim('|').Split('|').Select(c => c.Trim()).ToArray())
            .ToList();
    }

    [GeneratedRegex(@"`appliance ([^`]+)`")]
    private static partial Regex CommandPattern();
}
