using VoiceAppliance.Models.Grammar;
using VoiceAppliance.Models.Tests.Whisper;
using VoiceAppliance.Testing;
using Xunit.Abstractions;

namespace VoiceAppliance.Models.Tests.Grammar;

/// <summary>
/// Issue 17, item 6: a grammar search that ends with no path at all on a command is a defect. With pocketsphinx's
/// default beams (1e-48, word 7e-29, phone 1e-48) espeak-ng en-us at 160 words a minute, framed like a VAD segment
/// (0.3 s before, 0.7 s after), "set a timer for five minutes" and "start a timer for one minute" end with no path
/// (the bare CLI, pocketsphinx_continuous, decodes both); the recogniser then decodes again with wider beams and
/// finds them. A wide search can force audio that stops inside a command onto a whole one, so a guess stays
/// unfinished unless that path is accepted. Since digital silence is dithered (GrammarDigitalSilenceTests), that
/// audio decodes with the default beams, and since long runs of zeros are cut to 20 ms (GrammarHesitationTests) also
/// with beams of 1e-6; the first test narrows the first search's beams (to 1e-2) to show the fallback (and
/// uses other commands: with the zeros only dithered, this zero-padded "set a timer for five minutes" came out as "two
/// minute", accepted at 0.17-0.21, with any beams; with the long zero runs cut it is "five minutes" at 0.36).
/// </summary>
public sealed class GrammarSearchBeamTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Sentences =
    [
        "(start|set) a timer for (one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty) (minute|minutes)",
        "[please] what time is it", "tell me the time",
        "turn (on|off) the (kitchen|bedroom|living room) (light|lights)",
    ];

    private readonly string _dir = TestPaths.NewTempDirectory("beams");

    [RequiresProgramFact("espeak-ng")]
    public void Commands_the_first_search_ends_with_no_path_on_are_found_by_the_wide_search()
    {
        // Beams narrow enough that the first search prunes every path to a final state; the wide search's beams are
        // the wider of these and WideBeams.
        using var engine = new GrammarSpeechToText(JsgfGrammar.FromSentences(Sentences), new GrammarOptions { ExtraArguments = ["-beam", "1e-2", "-wbeam", "1e-1", "-pbeam", "1e-2"] });
        foreach (var command in new[] { "set a timer for twenty minutes", "start a timer for one minute", "turn on the kitchen light" })
        {
            var result = engine.Recognize(Speak(command));
            output.WriteLine($"'{command}' -> '{result.Text}' {result.Confidence:0.000} accepted {result.Accepted}, wide search {engine.LastScore.Widened}");

            // The audio shows the defect (the first search, pocketsphinx's own beams, ends with no path) ...
            Assert.True(engine.LastScore.Widened, $"'{command}' decoded by the first search: the audio no longer shows the no-path defect, pick another");

            // ... and the wide search finds the command ("minute" or "minutes": the same intent) and scores it; whether
            // it is accepted is the confidence's business (this voice scores low: see the held-out table).
            Assert.Equal(command.TrimEnd('s'), result.Text.TrimEnd('s'));
            Assert.InRange(result.Confidence, float.Epsilon, 1f);
        }
    }

    [RequiresProgramFact("espeak-ng")]
    public async Task A_guess_on_an_unfinished_prefix_stays_unfinished_though_the_wide_search_runs()
    {
        using var engine = new GrammarSpeechToText(JsgfGrammar.FromSentences(Sentences));
        foreach (var prefix in new[] { "set a timer for", "turn on the" })
        {
            var guess = await engine.GuessAsync(Speak(prefix), CancellationToken.None);
            output.WriteLine($"'{prefix}': '{guess.Text}' unfinished {guess.Unfinished}, wide search {engine.LastScore.Widened}, its path '{engine.LastScore.Grammar.Text}'");
            Assert.Equal(string.Empty, guess.Text);
            Assert.True(guess.Unfinished, $"the prefix '{prefix}' was not taken for an unfinished command");
            Assert.True(engine.LastScore.Widened, "the first search found a path on a prefix the grammar cannot end on");
        }
    }

    [RequiresProgramFact("espeak-ng")]
    public void Out_of_grammar_speech_stays_rejected_when_the_wide_search_forces_a_path()
    {
        using var engine = new GrammarSpeechToText(JsgfGrammar.FromSentences(Sentences));
        foreach (var phrase in new[] { "set an alarm for seven in the morning", "play the next song", "turn on the television", "good morning" })
        {
            var result = engine.Recognize(Speak(phrase));
            output.WriteLine($"'{phrase}' -> '{result.Text}' {result.Confidence:0.000} accepted {result.Accepted}, wide search {engine.LastScore.Widened}");
            Assert.False(result.Accepted, $"'{phrase}' accepted as '{result.Text}' with confidence {result.Confidence}");
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>espeak-ng en-us at 160 wpm, trimmed, with 0.3 s of silence before and 0.7 s after (a VAD segment).</summary>
    private float[] Speak(string text)
    {
        var raw = Path.Combine(_dir, "raw.wav");
        var wav = Path.Combine(_dir, "cmd.wav");
        ExternalTool.Run("espeak-ng", ["-v", "en-us", "-s", "160", "-w", raw, text]);
        ExternalTool.Run("sox", ["-D", raw, "-r", "16000", "-c", "1", "-b", "16", wav, "silence", "1", "0.01", "1%", "reverse", "silence", "1", "0.01", "1%", "reverse", "pad", "0.3", "0.7"]);
        return TestAudio.ReadWav16kMono(wav);
    }
}
