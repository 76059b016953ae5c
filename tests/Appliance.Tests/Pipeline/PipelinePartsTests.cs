using VoiceAppliance.Pipeline;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests.Pipeline;

public sealed class PipelineStateMachineTests
{
    private static readonly (PipelineState From, PipelineState To)[] s_allowed =
    [
        (PipelineState.Idle, PipelineState.Listening), (PipelineState.Idle, PipelineState.Thinking), (PipelineState.Idle, PipelineState.Muted), (PipelineState.Idle, PipelineState.Error),
        (PipelineState.Listening, PipelineState.Transcribing), (PipelineState.Listening, PipelineState.Idle), (PipelineState.Listening, PipelineState.Muted), (PipelineState.Listening, PipelineState.Error),
        (PipelineState.Transcribing, PipelineState.Thinking), (PipelineState.Transcribing, PipelineState.Idle), (PipelineState.Transcribing, PipelineState.Muted), (PipelineState.Transcribing, PipelineState.Error),
        (PipelineState.Thinking, PipelineState.Speaking), (PipelineState.Thinking, PipelineState.Listening), (PipelineState.Thinking, PipelineState.Idle), (PipelineState.Thinking, PipelineState.Muted), (PipelineState.Thinking, PipelineState.Error),
        (PipelineState.Speaking, PipelineState.Listening), (PipelineState.Speaking, PipelineState.Idle), (PipelineState.Speaking, PipelineState.Muted), (PipelineState.Speaking, PipelineState.Error),
        (PipelineState.Muted, PipelineState.Idle), (PipelineState.Muted, PipelineState.Error),
        (PipelineState.Error, PipelineState.Idle), (PipelineState.Error, PipelineState.Muted),
    ];

    public static TheoryData<PipelineState, PipelineState> AllPairs()
    {
        var data = new TheoryData<PipelineState, PipelineState>();
        foreach (var from in Enum.GetValues<PipelineState>())
        {
            foreach (var to in Enum.GetValues<PipelineState>())
            {
                if (from != to)
                {
                    data.Add(from, to);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void Each_transition_is_allowed_or_refused_as_the_table_says(PipelineState from, PipelineState to)
    {
        var expected = s_allowed.Contains((from, to));
        Assert.Equal(expected, PipelineStateMachine.IsAllowed(from, to));

        var events = new PipelineEventBroadcaster(new ManualTimeProvider());
        var machine = new PipelineStateMachine(events);
        DriveTo(machine, from);
        using var sub = events.Subscribe();
        if (expected)
        {
            Assert.True(machine.TransitionTo(to));
            Assert.Equal(to, machine.State);
            Assert.True(sub.Reader.TryRead(out var e));
            Assert.Equal(new StateChangedEvent(from, to) { Sequence = e.Sequence, Timestamp = e.Timestamp }, e);
        }
        else
        {
            var ex = Assert.Throws<InvalidOperationException>(() => machine.TransitionTo(to));
            Assert.Contains($"from {from} to {to}", ex.Message, StringComparison.Ordinal);
            Assert.Equal(from, machine.State);
            Assert.False(sub.Reader.TryRead(out _));
        }
    }

    [Fact]
    public void Moving_to_the_current_state_publishes_nothing()
    {
        var events = new PipelineEventBroadcaster(new ManualTimeProvider());
        var machine = new PipelineStateMachine(events);
        using var sub = events.Subscribe();
        Assert.False(machine.TransitionTo(PipelineState.Idle));
        Assert.False(sub.Reader.TryRead(out _));
    }

    private static void DriveTo(PipelineStateMachine machine, PipelineState state)
    {
        PipelineState[] path = state switch
        {
            PipelineState.Idle => [],
            PipelineState.Listening => [PipelineState.Listening],
            PipelineState.Transcribing => [PipelineState.Listening, PipelineState.Transcribing],
            PipelineState.Thinking => [PipelineState.Listening, PipelineState.Transcribing, PipelineState.Thinking],
            PipelineState.Speaking => [PipelineState.Listening, PipelineState.Transcribing, PipelineState.Thinking, PipelineState.Speaking],
            PipelineState.Muted => [PipelineState.Muted],
            PipelineState.Error => [PipelineState.Error],
            _ => throw new ArgumentOutOfRangeException(nameof(state)),
        };
        foreach (var s in path)
        {
            machine.TransitionTo(s);
        }
    }
}

public sealed class EndpointerTests
{
    private const int W = 512;

    private static EndpointDecision Feed(Endpointer e, float p, double seconds)
    {
        var started = false;
        for (var i = 0; i < (int)Math.Round(seconds * 16000 / W); i++)
        {
            var d = e.Process(p, W);
            if (d is not EndpointDecision.Continue and not EndpointDecision.SpeechStarted)
            {
                return d;
            }

            started |= d == EndpointDecision.SpeechStarted;
        }

        return started ? EndpointDecision.SpeechStarted : EndpointDecision.Continue;
    }

    [Fact]
    public void Speech_shorter_than_min_speech_does_not_start()
    {
        var e = new Endpointer(new EndpointingOptions(), 16000);
        Feed(e, 0.9f, 0.2);
        Feed(e, 0.0f, 0.1);
        Feed(e, 0.9f, 0.2);
        Assert.False(e.InSpeech);
        Assert.Equal(EndpointDecision.SpeechStarted, Feed(e, 0.9f, 0.256));
        Assert.True(e.InSpeech);
    }

    [Fact]
    public void Probabilities_between_the_thresholds_keep_speech_going()
    {
        var e = new Endpointer(new EndpointingOptions(), 16000);
        Assert.Equal(EndpointDecision.SpeechStarted, Feed(e, 0.9f, 0.5));
        Assert.Equal(EndpointDecision.Continue, Feed(e, 0.4f, 2.0));
        Assert.Equal(EndpointDecision.EndOfSpeech, Feed(e, 0.1f, 0.75));
        Assert.InRange(e.SpeechDuration.TotalSeconds, 2.45, 2.55);
    }

    [Fact]
    public void Speech_resuming_restarts_the_silence_count()
    {
        var e = new Endpointer(new EndpointingOptions(), 16000);
        Feed(e, 0.9f, 0.5);
        Assert.Equal(EndpointDecision.Continue, Feed(e, 0.0f, 0.6));
        Feed(e, 0.9f, 0.1);
        Assert.Equal(EndpointDecision.Continue, Feed(e, 0.0f, 0.6));
        Assert.Equal(EndpointDecision.EndOfSpeech, Feed(e, 0.0f, 0.2));
    }

    [Fact]
    public void An_extended_pause_ends_later_and_speech_restores_the_window()
    {
        var e = new Endpointer(new EndpointingOptions(), 16000);
        Feed(e, 0.9f, 0.5);
        Assert.Equal(EndpointDecision.Continue, Feed(e, 0.0f, 0.3));
        e.ExtendPause(TimeSpan.FromSeconds(1.5));
        Assert.Equal(TimeSpan.FromSeconds(1.5), e.PauseToEnd);
        Assert.Equal(EndpointDecision.Continue, Feed(e, 0.0f, 1.1)); // 1.4 s of silence: past the 0.7 s window
        Feed(e, 0.9f, 0.2);
        Assert.Equal(TimeSpan.FromSeconds(0.7), e.PauseToEnd);
        Assert.Equal(EndpointDecision.Continue, Feed(e, 0.0f, 0.6));
        Assert.Equal(EndpointDecision.EndOfSpeech, Feed(e, 0.0f, 0.2));

        // Never shorter than the configured window, and a new utterance starts with the window.
        e.Reset();
        e.ExtendPause(TimeSpan.FromSeconds(0.1));
        Assert.Equal(TimeSpan.FromSeconds(0.7), e.PauseToEnd);
    }

    [Fact]
    public void A_held_pause_waits_for_the_verdict_and_ends_at_once_when_it_gives_no_more_time()
    {
        var e = new Endpointer(new EndpointingOptions(), 16000);
        Feed(e, 0.9f, 0.5);
        Assert.Equal(EndpointDecision.EndOfSpeech, Feed(e, 0.0f, 0.8)); // the 0.7 s window ran out
        e.HoldPause(TimeSpan.FromSeconds(1.5));
        Assert.True(e.PauseHeld);
        Assert.Equal(EndpointDecision.Continue, Feed(e, 0.0f, 0.3)); // held: about 1 s of silence now
        Assert.True(e.ReleasePause()); // no more time: the pause is over
        Assert.False(e.PauseHeld);
        Assert.Equal(TimeSpan.FromSeconds(0.7), e.PauseToEnd);

        // A verdict that extends the pause replaces the hold; the extension alone decides.
        e.Reset();
        Feed(e, 0.9f, 0.5);
        Feed(e, 0.0f, 0.8);
        e.HoldPause(TimeSpan.FromSeconds(1.5));
        e.ExtendPause(TimeSpan.FromSeconds(1.2));
        Assert.False(e.PauseHeld);
        Assert.False(e.ReleasePause()); // about 0.77 s of 1.2 s
        Assert.Equal(EndpointDecision.EndOfSpeech, Feed(e, 0.0f, 0.5));

        // Speech that resumes ends the hold and restores the window; the hold is bounded by its limit.
        e.Reset();
        Feed(e, 0.9f, 0.5);
        Feed(e, 0.0f, 0.8);
        e.HoldPause(TimeSpan.FromSeconds(1.5));
        Feed(e, 0.9f, 0.2);
        Assert.False(e.PauseHeld);
        Assert.Equal(TimeSpan.FromSeconds(0.7), e.PauseToEnd);
        Feed(e, 0.0f, 0.8);
        e.HoldPause(TimeSpan.FromSeconds(1.5));
        Assert.Equal(EndpointDecision.EndOfSpeech, Feed(e, 0.0f, 0.8)); // never judged: it ends at the limit
    }

    [Fact]
    public void Hold_mode_ignores_silence_and_the_no_speech_timeout_but_not_the_cap()
    {
        var e = new Endpointer(new EndpointingOptions(), 16000);
        e.Reset(endOnSilence: false);
        Assert.Equal(EndpointDecision.Continue, Feed(e, 0.0f, 10));
        Assert.Equal(EndpointDecision.NoSpeech, Feed(e, 0.0f, 5.1));
        e.Reset(endOnSilence: false);
        Feed(e, 0.9f, 1);
        Assert.Equal(EndpointDecision.Continue, Feed(e, 0.0f, 5));
        Assert.Equal(EndpointDecision.MaxUtterance, Feed(e, 0.0f, 10));
    }

    [Fact]
    public void Reset_in_speech_continues_a_barge_in()
    {
        var e = new Endpointer(new EndpointingOptions(), 16000);
        e.ResetInSpeech(4800);
        Assert.True(e.InSpeech);
        Assert.Equal(EndpointDecision.EndOfSpeech, Feed(e, 0.0f, 0.75));
    }

    [Fact]
    public void Follow_up_timeout_overrides_the_no_speech_timeout()
    {
        var e = new Endpointer(new EndpointingOptions(), 16000);
        e.Reset(noSpeechTimeout: TimeSpan.FromSeconds(1));
        Assert.Equal(EndpointDecision.NoSpeech, Feed(e, 0.0f, 1.1));
    }

    [Fact]
    public void Endpointer_and_ring_allocate_nothing_per_window()
    {
        var e = new Endpointer(new EndpointingOptions(), 16000);
        var ring = new AudioRing(16000);
        var window = new float[W];
        var dest = new float[16000];
        e.Process(0.9f, W);
        ring.Write(window);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            ring.Write(window);
            e.Process(i % 3 == 0 ? 0.1f : 0.9f, W);
        }

        ring.CopyLast(8000, dest);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

public sealed class AudioRingTests
{
    [Theory]
    [InlineData(7, 3)]
    [InlineData(7, 7)]
    [InlineData(7, 10)]
    [InlineData(5, 1)]
    public void Keeps_the_most_recent_samples_in_order(int capacity, int chunk)
    {
        var ring = new AudioRing(capacity);
        var reference = new List<float>();
        var next = 0f;
        for (var round = 0; round < 6; round++)
        {
            var data = Enumerable.Range(0, chunk).Select(_ => next++).ToArray();
            ring.Write(data);
            reference.AddRange(data);
            for (var take = 0; take <= capacity + 1; take++)
            {
                var dest = new float[capacity + 1];
                var n = ring.CopyLast(take, dest);
                var expected = reference.TakeLast(Math.Min(take, Math.Min(capacity, reference.Count))).ToArray();
                Assert.Equal(expected.Length, n);
                Assert.Equal(expected, dest[..n]);
            }
        }

        ring.Clear();
        Assert.Equal(0, ring.Count);
    }

    [Theory]
    [InlineData(7, 1)]
    [InlineData(7, 2)]
    [InlineData(16, 3)]
    public void Dropping_the_newest_samples_leaves_the_older_ones_and_writes_follow_them(int capacity, int seed)
    {
        var ring = new AudioRing(capacity);
        var reference = new List<float>();
        var random = new Random(seed);
        var next = 0f;
        for (var step = 0; step < 200; step++)
        {
            if (random.Next(3) == 0)
            {
                var drop = random.Next(capacity + 2);
                ring.DropLast(drop);
                reference.RemoveRange(Math.Max(0, reference.Count - drop), Math.Min(drop, reference.Count));
            }
            else
            {
                var data = Enumerable.Range(0, random.Next(1, (2 * capacity) + 1)).Select(_ => next++).ToArray();
                ring.Write(data);
                reference.AddRange(data);
                reference.RemoveRange(0, Math.Max(0, reference.Count - capacity));
            }

            Assert.Equal(reference.Count, ring.Count);
            var dest = new float[capacity];
            var n = ring.CopyLast(capacity, dest);
            Assert.Equal(reference, dest[..n]);
        }
    }
}

public sealed class PipelineEventBroadcasterTests
{
    [Fact]
    public async Task Every_subscriber_gets_every_event_in_order()
    {
        var b = new PipelineEventBroadcaster(new ManualTimeProvider());
        using var one = b.Subscribe();
        using var two = b.Subscribe();
        for (var i = 0; i < 50; i++)
        {
            b.Publish(new PipelineErrorEvent("x", i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        b.Complete();
        var a = await one.ToListAsync();
        var c = await two.ToListAsync();
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), a.Select(e => e.Sequence));
        Assert.Equal(a, c);
    }

    [Fact]
    public void A_slow_subscriber_loses_the_oldest_and_counts_them_without_blocking_others()
    {
        var b = new PipelineEventBroadcaster(new ManualTimeProvider());
        using var slow = b.Subscribe(capacity: 4);
        using var fast = b.Subscribe(capacity: 100);
        for (var i = 0; i < 10; i++)
        {
            b.Publish(new StateChangedEvent(PipelineState.Idle, PipelineState.Listening));
        }

        Assert.Equal(6, slow.Dropped);
        Assert.Equal(0, fast.Dropped);
        Assert.Equal(6, b.TotalDropped);
        var kept = new List<long>();
        while (slow.Reader.TryRead(out var e))
        {
            kept.Add(e.Sequence);
        }

        Assert.Equal([7L, 8, 9, 10], kept);
    }

    [Fact]
    public async Task Disposing_a_subscription_completes_it_and_stops_delivery()
    {
        var b = new PipelineEventBroadcaster(new ManualTimeProvider());
        var sub = b.Subscribe();
        b.Publish(new PipelineErrorEvent("a", "b"));
        sub.Dispose();
        b.Publish(new PipelineErrorEvent("c", "d"));
        var all = await sub.ToListAsync();
        Assert.Single(all);
    }

    [Fact]
    public void Wire_names_are_snake_case()
    {
        Assert.Equal("aborted_by_user", SessionEndReason.AbortedByUser.ToWireName());
        Assert.Equal("intent_not_recognized", SessionEndReason.IntentNotRecognized.ToWireName());
        Assert.Equal("no_speech", SessionEndReason.NoSpeech.ToWireName());
        Assert.Equal("transcribing", PipelineState.Transcribing.ToWireName());
        Assert.Equal("session_ended", new SessionEndedEvent(SessionEndReason.Nominal, 1, TimeSpan.Zero, null, null).EventType);
    }
}

public sealed class PipelineOptionsTests
{
    [Fact]
    public void Defaults_are_valid_and_match_the_field() 
    {
        var o = new PipelineOptions();
        o.Validate();
        Assert.Equal(TimeSpan.FromSeconds(0.7), o.Endpointing.SilenceToEnd);
        Assert.Equal(TimeSpan.FromSeconds(15), o.Endpointing.MaxUtterance);
        Assert.Equal(TimeSpan.FromSeconds(0.3), o.Endpointing.PrefixPadding);
        Assert.Equal(TimeSpan.FromSeconds(1.25), EndpointingOptions.FromPreset(EndpointingPreset.Relaxed).SilenceToEnd);
        Assert.Equal(TimeSpan.FromSeconds(0.25), EndpointingOptions.FromPreset(EndpointingPreset.Aggressive).SilenceToEnd);
    }

    [Fact]
    public void Bad_values_are_named_with_the_value_and_what_is_allowed()
    {
        var o = new PipelineOptions
        {
            Endpointing = new EndpointingOptions { SilenceToEnd = TimeSpan.FromSeconds(20), SpeechThreshold = 1.5f, SilenceThreshold = 0.9f },
            BargeIn = new BargeInOptions { Mode = (BargeInMode)7 },
        };
        var ex = Assert.Throws<ArgumentException>(o.Validate);
        Assert.Contains("Pipeline:Endpointing:SilenceToEnd is 20 s; allowed: 0.032 s to 10 s.", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Pipeline:Endpointing:SpeechThreshold is 1.5; allowed: a probability between 0 and 1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Pipeline:BargeIn:Mode is '7'; allowed: Disabled, HardCut, SoftFade.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Watchdog_must_outlast_the_max_utterance()
    {
        var o = new PipelineOptions { WatchdogTimeout = TimeSpan.FromSeconds(10) };
        var ex = Assert.Throws<ArgumentException>(o.Validate);
        Assert.Contains("Pipeline:WatchdogTimeout (10 s) must be longer than Pipeline:Endpointing:MaxUtterance (15 s)", ex.Message, StringComparison.Ordinal);
    }
}
