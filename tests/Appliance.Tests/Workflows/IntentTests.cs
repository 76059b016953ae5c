using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VoiceAppliance.Testing;
using VoiceAppliance.Workflows;
using VoiceAppliance.Workflows.Intents;

namespace VoiceAppliance.Tests.Workflows;

public sealed class TextNormalizerTests
{
    [Theory]
    [InlineData("Set the volume to 40%.", "set the volume to 40 percent")]
    [InlineData("set the volume to forty percent", "set the volume to 40 percent")]
    [InlineData("Twenty-five minutes", "25 minutes")]
    [InlineData("one hundred and five", "105")]
    [InlineData("one hundred fifteen", "115")]
    [InlineData("two thousand five hundred", "2500")]
    [InlineData("two three", "2 3")]
    [InlineData("twenty twenty", "20 20")]
    [InlineData("What's the time?", "whats the time")]
    [InlineData("  Turn ON the Kitchen light!! ", "turn on the kitchen light")]
    [InlineData("zero", "0")]
    [InlineData("1,000 steps", "1000 steps")]
    public void Normalizes_case_punctuation_and_numbers(string input, string expected) =>
        Assert.Equal(expected, TextNormalizer.Normalize(input));

    [Theory]
    [InlineData(0, "zero")]
    [InlineData(15, "fifteen")]
    [InlineData(40, "forty")]
    [InlineData(42, "forty two")]
    [InlineData(100, "one hundred")]
    [InlineData(105, "one hundred five")]
    [InlineData(2500, "two thousand five hundred")]
    public void Spells_numbers_and_reads_them_back(int n, string words)
    {
        Assert.Equal(words, TextNormalizer.ToWords(n));
        Assert.Equal(n.ToString(System.Globalization.CultureInfo.InvariantCulture), TextNormalizer.Normalize(words));
    }

    [Fact]
    public void Every_number_to_a_thousand_round_trips()
    {
        for (var n = 0; n <= 1000; n++)
        {
            Assert.Equal(n.ToString(System.Globalization.CultureInfo.InvariantCulture), TextNormalizer.Normalize(TextNormalizer.ToWords(n)));
        }
    }
}

public sealed class SentenceTemplateTests
{
    [Theory]
    [InlineData("turn (on|off", "not closed")]
    [InlineData("turn on|off", "outside a group")]
    [InlineData("{room} light", "must follow a word or a group")]
    [InlineData("set (0..5000){x}", "more than 1000 numbers")]
    [InlineData("set (9..1){x}", "not a number range")]
    [InlineData("turn (on]", "closed by ']'")]
    [InlineData("turn (on){bad name}", "is not a slot name")]
    [InlineData("()", "empty group")]
    [InlineData("   ", "no words")]
    public void Bad_templates_name_the_template_and_the_problem(string template, string problem)
    {
        var ex = Assert.Throws<FormatException>(() => SentenceTemplate.Parse(template));
        Assert.Contains($"'{template}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Slot_names_are_collected()
    {
        var t = SentenceTemplate.Parse("turn (on|off){state} the (kitchen|bedroom){room} light [(0..100){level}]");
        Assert.Equal(new HashSet<string> { "state", "room", "level" }, t.SlotNames);
    }
}

public sealed class IntentRecognizerTests
{
    private static readonly IntentRecognizer s_recognizer = new(
    [
        ("ChangeLightState", ["turn (on|off){state} the (kitchen|bedroom|living room){room} light", "switch the (kitchen|bedroom|living room){room} light (on|off){state}"]),
        ("GetTime", ["[please] what time is it", "what's the time"]),
        ("SetVolume", ["set [the] volume to (0..100){level} [percent]"]),
        ("StartTimer", ["set a timer for (1..90){minutes} minutes"]),
    ]);

    [Fact]
    public void Exact_sentence_with_slots()
    {
        var m = s_recognizer.Recognize("Turn off the living room light.")!;
        Assert.Equal("ChangeLightState", m.Intent);
        Assert.Equal("off", m.Slots["state"]);
        Assert.Equal("living room", m.Slots["room"]);
        Assert.Equal(1.0, m.Score);
    }

    [Fact]
    public void Optional_words_may_be_absent_or_present()
    {
        Assert.Equal("GetTime", s_recognizer.Recognize("what time is it")!.Intent);
        Assert.Equal("GetTime", s_recognizer.Recognize("Please, what time is it?")!.Intent);
        Assert.Equal("GetTime", s_recognizer.Recognize("What's the time?")!.Intent);
    }

    [Theory]
    [InlineData("set the volume to 40 percent")]
    [InlineData("set the volume to forty percent")]
    [InlineData("Set the volume to 40%.")]
    [InlineData("set volume to forty")]
    public void Numbers_match_as_words_and_digits(string transcript)
    {
        var m = s_recognizer.Recognize(transcript)!;
        Assert.Equal("SetVolume", m.Intent);
        Assert.Equal("40", m.Slots["level"]);
        Assert.Equal(1.0, m.Score);
    }

    [Fact]
    public void Numbers_outside_the_range_do_not_fill_the_slot()
    {
        var m = s_recognizer.Recognize("set a timer for 500 minutes");
        Assert.True(m is null || m.Score < 1);
    }

    [Fact]
    public void Whisper_style_near_misses_still_match()
    {
        // a plural the template lacks, an extra filler word
        var m = s_recognizer.Recognize("Um, turn on the kitchen lights.")!;
        Assert.Equal("ChangeLightState", m.Intent);
        Assert.Equal("kitchen", m.Slots["room"]);
        Assert.InRange(m.Score, 0.75, 0.99);
    }

    [Theory]
    [InlineData("what is the weather like tomorrow")]
    [InlineData("play some music")]
    [InlineData("")]
    [InlineData("turn")]
    public void Unrelated_text_is_not_recognised(string transcript) => Assert.Null(s_recognizer.Recognize(transcript));

    [Fact]
    public void Jsgf_spells_numbers_and_lists_every_intent()
    {
        var jsgf = s_recognizer.ToJsgf();
        Assert.StartsWith("#JSGF V1.0;", jsgf, StringComparison.Ordinal);
        Assert.Contains("public <command> = <ChangeLightState> | <GetTime> | <SetVolume> | <StartTimer>;", jsgf, StringComparison.Ordinal);
        Assert.Contains("<ChangeLightState> = ( turn ( on | off ) the ( kitchen | bedroom | living room ) light ) | ( switch the ( kitchen | bedroom | living room ) light ( on | off ) );", jsgf, StringComparison.Ordinal);
        Assert.Contains("<SetVolume> = ( set [ the ] volume to <number_0_100> [ percent ] );", jsgf, StringComparison.Ordinal);
        Assert.Contains("<number_0_100> = zero | one | two", jsgf, StringComparison.Ordinal);
        Assert.Contains("| ninety nine | one hundred;", jsgf, StringComparison.Ordinal);
        Assert.DoesNotContain("{", jsgf, StringComparison.Ordinal);
        Assert.DoesNotContain("'", jsgf, StringComparison.Ordinal);
    }

    [SphinxbaseFact]
    public void Jsgf_parses_with_the_real_sphinxbase_and_every_word_is_in_the_pocketsphinx_dictionary()
    {
        var jsgf = s_recognizer.ToJsgf();
        var grammar = Sphinxbase.jsgf_parse_string(jsgf, 0);
        Assert.NotEqual(0, grammar);
        try
        {
            Assert.NotEqual(0, Sphinxbase.jsgf_get_public_rule(grammar));
        }
        finally
        {
            Sphinxbase.jsgf_grammar_free(grammar);
        }

        var dictionary = File.ReadLines(SphinxbaseFactAttribute.Dictionary).Select(l => l.Split(' ', 2)[0]).ToHashSet(StringComparer.Ordinal);
        var body = jsgf[jsgf.IndexOf("public", StringComparison.Ordinal)..];
        var words = body.Split([' ', '\n', ';', '|', '(', ')', '[', ']', '='], StringSplitOptions.RemoveEmptyEntries)
            .Where(w => !w.StartsWith('<') && w != "public");
        Assert.All(words, w => Assert.Contains(w, dictionary));

        // and a broken grammar is refused, so the check above can fail
        Assert.Equal(0, Sphinxbase.jsgf_parse_string("#JSGF V1.0; grammar x; public <a> = ( b ;", 0));
    }
}

/// <summary>Runs where Debian's sphinxbase and the pocketsphinx-en-us dictionary are installed (eng/provision.sh).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class SphinxbaseFactAttribute : FactAttribute
{
    public const string Dictionary = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict";

    public SphinxbaseFactAttribute()
    {
        if (!NativeLibrary.TryLoad("libsphinxbase.so.3", out var handle) || !File.Exists(Dictionary))
        {
            Skip = "needs libsphinxbase.so.3 and pocketsphinx-en-us (Debian libpocketsphinx3, pocketsphinx-en-us; eng/provision.sh); absent on this machine";
        }
        else
        {
            NativeLibrary.Free(handle);
        }
    }
}

internal static partial class Sphinxbase
{
    [LibraryImport("libsphinxbase.so.3", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint jsgf_parse_string(string text, nint parent);

    [LibraryImport("libsphinxbase.so.3")]
    internal static partial nint jsgf_get_public_rule(nint grammar);

    [LibraryImport("libsphinxbase.so.3")]
    internal static partial void jsgf_grammar_free(nint grammar);
}

public sealed class IntentWorkflowTests
{
    private static IntentOptions Options() => new()
    {
        Intents =
        [
            new IntentDefinition
            {
                Name = "ChangeLightState",
                Sentences = ["turn (on|off){state} the (kitchen|bedroom){room} light"],
                Reply = "Turning {state} the {room} light.",
                Actions = [new IntentActionOptions { Kind = IntentActionKind.Publish, Topic = "home/{room}/light/set", Payload = "{state}" }],
            },
            new IntentDefinition { Name = "GetTime", Sentences = ["[please] what time is it"], Actions = [new IntentActionOptions { Kind = IntentActionKind.TellTime }] },
            new IntentDefinition { Name = "GetDate", Sentences = ["what day is it"], Reply = "Today is {date}." },
            new IntentDefinition
            {
                Name = "SetVolume",
                Sentences = ["set the volume to (0..100){level} [percent]"],
                Reply = "Volume {level}.",
                Actions = [new IntentActionOptions { Kind = IntentActionKind.SetVolume, Value = "{level}" }],
            },
            new IntentDefinition { Name = "Mute", Sentences = ["stop listening"], Reply = "Muting.", Actions = [new IntentActionOptions { Kind = IntentActionKind.Mute }] },
            new IntentDefinition
            {
                Name = "StartTimer",
                Sentences = ["set a timer for (1..90){minutes} minutes"],
                Reply = "Timer set for {minutes} minutes.",
                Actions = [new IntentActionOptions { Kind = IntentActionKind.StartTimer, Value = "{minutes}", Payload = "Your {minutes} minute timer is done." }],
            },
            new IntentDefinition { Name = "Shopping", Sentences = ["add to the shopping list"], Reply = "What should I add?", ContinueSession = true },
        ],
    };

    private static async Task<(string Reply, WorkflowTurn Turn)> Ask(IntentWorkflow workflow, string transcript, FakeAppliance appliance)
    {
        var turn = new WorkflowTurn("s1", 0, transcript, ReadOnlyMemory<float>.Empty, 16000, appliance);
        var pieces = new List<string>();
        await foreach (var p in workflow.RespondAsync(turn, CancellationToken.None))
        {
            pieces.Add(p);
        }

        return (string.Concat(pieces), turn);
    }

    [Fact]
    public async Task Templated_reply_and_publish()
    {
        var publisher = new RecordingPublisher();
        using var workflow = new IntentWorkflow(Options(), publisher, new ManualTimeProvider());
        var (reply, turn) = await Ask(workflow, "Turn off the bedroom light.", new FakeAppliance());
        Assert.Equal("Turning off the bedroom light.", reply);
        Assert.Equal("ChangeLightState", turn.Intent);
        Assert.Equal([("home/bedroom/light/set", "off")], publisher.Messages);
        Assert.False(turn.IntentNotRecognized);
    }

    [Theory]
    [InlineData("Turn off the bedroom light.")]
    [InlineData("please what time is it")]
    [InlineData("what day is it")]
    [InlineData("set the volume to forty percent")]
    [InlineData("stop listening")]
    [InlineData("set a timer for ten minutes")]
    public async Task The_preview_is_the_reply_and_does_nothing(string transcript)
    {
        var publisher = new RecordingPublisher();
        using var workflow = new IntentWorkflow(Options(), publisher, new ManualTimeProvider(new DateTimeOffset(2026, 3, 5, 15, 7, 0, TimeSpan.Zero)));
        var appliance = new FakeAppliance();
        var preview = workflow.PreviewReply(transcript);

        // Nothing happened: no publish, no volume, no mute, no timer.
        Assert.Empty(publisher.Messages);
        Assert.Equal(new FakeAppliance().Volume, appliance.Volume);
        Assert.Equal(0, workflow.ActiveTimers);

        var (reply, _) = await Ask(workflow, transcript, appliance);
        Assert.Equal(reply, preview);
        Assert.Null(workflow.PreviewReply("what is the meaning of life"));
    }

    [Fact]
    public async Task Time_and_date_come_from_the_time_provider()
    {
        using var workflow = new IntentWorkflow(Options(), timeProvider: new ManualTimeProvider(new DateTimeOffset(2026, 3, 5, 15, 7, 0, TimeSpan.Zero)));
        Assert.Equal("It is 3:07 PM.", (await Ask(workflow, "please what time is it", new FakeAppliance())).Reply);
        Assert.Equal("Today is Thursday, March 5.", (await Ask(workflow, "what day is it", new FakeAppliance())).Reply);
    }

    [Fact]
    public async Task Volume_and_mute_act_on_the_appliance()
    {
        using var workflow = new IntentWorkflow(Options(), timeProvider: new ManualTimeProvider());
        var appliance = new FakeAppliance();
        Assert.Equal("Volume 40.", (await Ask(workflow, "set the volume to forty percent", appliance)).Reply);
        Assert.Equal(40, appliance.Volume);
        await Ask(workflow, "stop listening", appliance);
        Assert.True(appliance.MuteRequested);
    }

    [Fact]
    public async Task Timer_fires_through_the_time_provider_and_retries_while_busy()
    {
        var time = new ManualTimeProvider();
        using var workflow = new IntentWorkflow(Options(), timeProvider: time);
        var appliance = new FakeAppliance { Busy = true };
        Assert.Equal("Timer set for 2 minutes.", (await Ask(workflow, "set a timer for two minutes", appliance)).Reply);
        Assert.Equal(1, workflow.ActiveTimers);
        time.Advance(TimeSpan.FromSeconds(119));
        Assert.Empty(appliance.Said);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, appliance.SayAttempts);
        appliance.Busy = false;
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(["Your 2 minute timer is done."], appliance.Said);
        Assert.Equal(0, workflow.ActiveTimers);
    }

    [Fact]
    public async Task Unmatched_reports_not_recognised_with_the_fallback()
    {
        using var workflow = new IntentWorkflow(Options(), timeProvider: new ManualTimeProvider());
        var (reply, turn) = await Ask(workflow, "sing me a song", new FakeAppliance());
        Assert.Equal("Sorry, I didn't understand that.", reply);
        Assert.True(turn.IntentNotRecognized);
        Assert.Null(turn.Intent);
    }

    [Fact]
    public async Task An_intent_may_continue_the_session()
    {
        using var workflow = new IntentWorkflow(Options(), timeProvider: new ManualTimeProvider());
        var (_, turn) = await Ask(workflow, "add to the shopping list", new FakeAppliance());
        Assert.True(turn.FollowUpRequested);
    }

    [Fact]
    public void Bad_configuration_names_the_intent_key_and_fix()
    {
        var options = new IntentOptions
        {
            MinScore = 2,
            Intents =
            [
                new IntentDefinition { Name = "A", Sentences = ["turn (on|off"], Reply = "ok {colour}" },
                new IntentDefinition { Name = "A", Sentences = [] },
                new IntentDefinition
                {
                    Name = "B",
                    Sentences = ["go"],
                    Actions = [new IntentActionOptions { Kind = IntentActionKind.Publish }, new IntentActionOptions { Kind = IntentActionKind.StartTimer, Value = "5", Unit = "weeks" }],
                },
            ],
        };
        var ex = Assert.Throws<ArgumentException>(() => new IntentWorkflow(options));
        Assert.Contains("Workflows:Intents:MinScore is 2; allowed: above 0, at most 1.", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Workflows:Intents:Intents:0:Sentences:0: The sentence template 'turn (on|off' is invalid", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Workflows:Intents:Intents:0:Reply uses {colour}, which no sentence of the intent defines", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Workflows:Intents:Intents:1:Name 'A' is used twice", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Workflows:Intents:Intents:1:Sentences is empty", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Workflows:Intents:Intents:2:Actions:0:Topic is empty", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Workflows:Intents:Intents:2:Actions:1:Unit is 'weeks'; allowed: seconds, minutes, hours.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Echo_workflow_writes_the_message_to_a_wav_file()
    {
        var dir = TestPaths.NewTempDirectory("echo");
        try
        {
            var sink = new WavFileMessageSink(dir);
            var workflow = new EchoWorkflow(sink, new ManualTimeProvider());
            var audio = Enumerable.Range(0, 16000).Select(i => 0.25f * MathF.Sin(i * 0.1f)).ToArray();
            var turn = new WorkflowTurn("abc", 0, "hello there", audio, 16000, new FakeAppliance());
            var replies = new List<string>();
            await foreach (var p in workflow.RespondAsync(turn, CancellationToken.None))
            {
                replies.Add(p);
            }

            Assert.Equal(["Message recorded."], replies);
            Assert.Equal(Path.Combine(dir, "message-20260101-000000-abc.wav"), sink.LastPath);
            var wav = Audio.Alsa.WavFile.Read(sink.LastPath!);
            Assert.Equal(16000, wav.SampleRate);
            Assert.Equal(16000, wav.Frames);
            Assert.InRange(wav.Samples.Max(), 0.24f, 0.26f);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class RecordingPublisher : IMessagePublisher
    {
        public List<(string, string)> Messages { get; } = [];

        public ValueTask PublishAsync(string topic, string payload, CancellationToken cancellationToken)
        {
            Messages.Add((topic, payload));
            return ValueTask.CompletedTask;
        }
    }

    internal sealed class FakeAppliance : IApplianceControl
    {
        public int Volume { get; set; } = 50;

        public bool MuteRequested { get; private set; }

        public bool Busy { get; set; }

        public int SayAttempts { get; private set; }

        public List<string> Said { get; } = [];

        public void MuteAfterReply() => MuteRequested = true;

        public bool Say(string text)
        {
            SayAttempts++;
            if (Busy)
            {
                return false;
            }

            Said.Add(text);
            return true;
        }
    }
}

public sealed class ShippedIntentsTests
{
    [Theory]
    [InlineData("start a timer for one minute", "Timer set for 1 minute.")]
    [InlineData("set a timer for two minutes", "Timer set for 2 minutes.")]
    [InlineData("set a timer for twenty one minutes", "Timer set for 21 minutes.")]
    public async Task The_timer_reply_agrees_with_the_number(string transcript, string reply)
    {
        var options = IntentsFile.Load(Path.Combine(TestPaths.Root, "config", "intents.json"));
        using var workflow = new IntentWorkflow(options, timeProvider: new ManualTimeProvider());
        Assert.Equal(reply, workflow.PreviewReply(transcript));
    }

    [Theory]
    [InlineData("{n}", "1", "1")]
    [InlineData("{n} {n:minute|minutes}", "1", "1 minute")]
    [InlineData("{n} {n:minute|minutes}", "0", "0 minutes")]
    [InlineData("{n} {n:minute|minutes}", "1.5", "1.5 minutes")]
    [InlineData("{ n : light | lights }", "3", "lights")]
    [InlineData("{n:minute|minutes}", "", "minutes")]
    public void A_plural_choice_takes_the_word_for_one_only_for_1(string template, string value, string expected) =>
        Assert.Equal(expected, ReplyTemplate.Render(template, new Dictionary<string, string> { ["n"] = value }));

    [Theory]
    [InlineData("{minutes:minute}")]
    [InlineData("{minutes:a|b|c}")]
    [InlineData("{minutes:|minutes}")]
    public void A_malformed_plural_choice_is_a_configuration_error_that_shows_the_form(string reply)
    {
        var options = new IntentOptions
        {
            Intents = [new IntentDefinition { Name = "StartTimer", Sentences = ["set a timer for (1..9){minutes} minutes"], Reply = reply }],
        };
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("Intents:0:Reply", error.Message, StringComparison.Ordinal);
        Assert.Contains("is not a plural choice: write {minutes:one|other}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plural_choice_on_an_unknown_slot_names_the_slot()
    {
        var options = new IntentOptions
        {
            Intents = [new IntentDefinition { Name = "StartTimer", Sentences = ["set a timer for (1..9){minutes} minutes"], Reply = "{mins:minute|minutes}" }],
        };
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("uses {mins}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_demo_runs_the_shipped_intents_file_embedded_at_build_time()
    {
        var shipped = File.ReadAllText(Path.Combine(TestPaths.Root, "config", "intents.json"));
        Assert.Equal(shipped, VoiceAppliance.Demo.DemoScenario.IntentsJson);
        var intents = IntentsFile.Parse(VoiceAppliance.Demo.DemoScenario.IntentsJson, "demo intents");
        Assert.Equal(VoiceAppliance.Demo.DemoScenario.ExpectedIntents, VoiceAppliance.Demo.DemoScenario.ExpectedIntents.Where(n => intents.Intents.Any(i => i.Name == n)));
    }
}
