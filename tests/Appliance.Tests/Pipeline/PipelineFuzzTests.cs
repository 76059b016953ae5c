using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Tests.Pipeline;

public sealed class PipelineFuzzTests
{
    [Theory]
    [InlineData(1, BargeInMode.HardCut, false)]
    [InlineData(2, BargeInMode.SoftFade, true)]
    [InlineData(3, BargeInMode.Disabled, false)]
    [InlineData(4, BargeInMode.HardCut, true)]
    public async Task Random_triggers_from_two_threads_keep_the_state_chain_consistent(int seed, BargeInMode mode, bool echoCancelled)
    {
        var options = new PipelineOptions { BargeIn = new BargeInOptions { Mode = mode, EchoCancelled = echoCancelled } };
        await using var rig = new PipelineRig(options: options);
        using var stuck = rig.Pipeline.Events.Subscribe(capacity: 1); // a subscriber that never reads
        var random = new Random(seed);
        var audio = Task.Run(async () =>
        {
            var r = new Random(seed + 100);
            for (var i = 0; i < 60; i++)
            {
                await rig.Feed(r.Next(2) == 0 ? TestAudio.Speech(r.NextDouble() * 0.6) : TestAudio.Silence(r.NextDouble() * 0.9));
            }
        });
        for (var i = 0; i < 300; i++)
        {
            switch (random.Next(10))
            {
                case 0: rig.Pipeline.Tap(); break;
                case 1: rig.Pipeline.PressToTalk(); break;
                case 2: rig.Pipeline.ReleaseToTalk(); break;
                case 3: rig.Pipeline.Listen(); break;
                case 4: rig.Pipeline.Say("Random words. More words."); break;
                case 5: rig.Pipeline.Mute(); break;
                case 6: rig.Pipeline.Unmute(); break;
                case 7: rig.Pipeline.Stop(); break;
                case 8: rig.Playback.PlayedPosition = TimeSpan.FromMilliseconds(random.Next(500)); break;
                default: await Task.Yield(); break;
            }

            if (i % 20 == 0)
            {
                await Task.Delay(1);
            }
        }

        await audio.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(rig.Loop.IsFaulted, rig.Loop.Exception?.ToString());

        // settle, then the pipeline still works
        rig.Pipeline.Stop();
        rig.Pipeline.Unmute();
        await VoicePipelineTests.WaitUntil(() => rig.Pipeline.State == PipelineState.Idle);
        var lastBefore = rig.Pipeline.Events.Published;
        await rig.SpeakCommand();
        var last = await rig.Log.WaitFor<SessionEndedEvent>(e => e.Sequence > lastBefore);
        Assert.Equal(SessionEndReason.Nominal, last.Reason);
        await VoiceAppliance.Tests.Pipeline.VoicePipelineTests.WaitUntil(() => rig.Log.Snapshot().Count == rig.Pipeline.Events.Published);

        var events = rig.Log.Snapshot();
        var states = events.OfType<StateChangedEvent>().ToList();
        for (var i = 1; i < states.Count; i++)
        {
            Assert.Equal(states[i - 1].To, states[i].From);
            Assert.True(PipelineStateMachine.IsAllowed(states[i].From, states[i].To));
        }

        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));

        // every session that started ended exactly once, and turns end before their session
        var started = events.OfType<SessionStartedEvent>().Select(e => e.SessionId).ToList();
        var ended = events.OfType<SessionEndedEvent>().Select(e => e.SessionId).ToList();
        Assert.Equal(started, ended);
        Assert.True(stuck.Dropped > 0);
    }
}
