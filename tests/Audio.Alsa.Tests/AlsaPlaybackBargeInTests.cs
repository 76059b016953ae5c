namespace VoiceAppliance.Audio.Alsa.Tests;

/// <summary>Where a reply is when the user interrupts it.</summary>
public enum ReplyPoint
{
    /// <summary>The first sentence is queued and starting to play.</summary>
    Queued,

    /// <summary>The first sentence plays while the next one is still being synthesised.</summary>
    SynthesisingNext,

    /// <summary>The last sentence is queued and the reply waits in DrainAsync.</summary>
    DrainingLast,

    /// <summary>The reply finished playing.</summary>
    AlreadyDrained,
}

/// <summary>
/// Barge-in against the real <see cref="AlsaPlayback"/> (libasound, a <c>type file</c> PCM paced in real time) at every
/// point of a reply, the way the pipeline does it: the reply's token is cancelled without awaiting the reply, then the
/// playback fades (soft-fade) or stops (hard-cut). The fade and the reply must both finish, the reply with a
/// cancellation or its normal end (never another exception), and the speaker must play the next reply.
/// </summary>
[Collection("audio kernels")]
public sealed class AlsaPlaybackBargeInTests
{
    private const int Rate = 22050;

    public static TheoryData<ReplyPoint, bool> Points()
    {
        var data = new TheoryData<ReplyPoint, bool>();
        foreach (var point in Enum.GetValues<ReplyPoint>())
        {
            data.Add(point, true);
            data.Add(point, false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Points))]
    public async Task Barge_in_ends_the_reply_and_leaves_the_speaker_usable(ReplyPoint point, bool softFade)
    {
        using var scratch = new AlsaScratch();
        var wav = scratch.File("out.wav");
        scratch.Devices.AddPlayback("speaker", wav);
        var options = new AlsaPlaybackOptions
        {
            Device = "speaker",
            ConfigurationFile = scratch.ConfigurationPath,
            SampleRate = 48000,
            PaceInRealTime = true,
            PeriodFrames = 480,
        };

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using (var playback = new AlsaPlayback(options))
        {
            var sentence = Signals.Tone(440, Rate, Rate * 8 / 10, 0.5f); // 0.8 s each
            using var reply = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
            var firstQueued = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var nextSynthesised = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var draining = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

            // The reply as the pipeline streams it: sentence 1, synthesis of sentence 2, sentence 2, drain.
            var replyTask = Task.Run(async () =>
            {
                await playback.WriteAsync(sentence, Rate, reply.Token);
                firstQueued.TrySetResult();
                await nextSynthesised.Task.WaitAsync(reply.Token);
                await playback.WriteAsync(sentence, Rate, reply.Token);
                draining.TrySetResult();
                await playback.DrainAsync(reply.Token);
            });

            switch (point)
            {
                case ReplyPoint.Queued:
                    await firstQueued.Task.WaitAsync(timeout.Token);
                    break;
                case ReplyPoint.SynthesisingNext:
                    await firstQueued.Task.WaitAsync(timeout.Token);
                    await WaitUntil(() => playback.PlayedPosition >= TimeSpan.FromMilliseconds(200), timeout.Token);
                    break;
                case ReplyPoint.DrainingLast:
                    nextSynthesised.TrySetResult();
                    await draining.Task.WaitAsync(timeout.Token);
                    await WaitUntil(() => playback.PlayedPosition >= TimeSpan.FromMilliseconds(100), timeout.Token);
                    Assert.False(replyTask.IsCompleted, "the reply should still be draining");
                    break;
                case ReplyPoint.AlreadyDrained:
                    nextSynthesised.TrySetResult();
                    await replyTask.WaitAsync(timeout.Token);
                    break;
            }

            // Barge-in: cancel the reply without awaiting it, then fade or cut.
            reply.Cancel();
            if (softFade)
            {
                await playback.FadeOutAsync(TimeSpan.FromMilliseconds(50), timeout.Token).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            }
            else
            {
                playback.StopImmediately();
            }

            var ended = await Record.ExceptionAsync(() => replyTask.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.True(ended is null or OperationCanceledException, $"the reply ended with {ended}");
            Assert.True(point == ReplyPoint.AlreadyDrained || ended is OperationCanceledException, $"at {point} the reply should have been cancelled");

            // The next reply plays in full.
            var next = Signals.Tone(1000, Rate, Rate / 5, 0.5f); // 0.2 s
            await playback.WriteAsync(next, Rate, timeout.Token);
            await playback.DrainAsync(timeout.Token).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        }

        var audio = WavFile.Read(wav);
        // The last thing heard is the next reply: its 1 kHz tone, none of the interrupted 440 Hz one.
        var tail = audio.Samples.AsSpan(audio.Samples.Length - 7200, 4800);
        Assert.InRange(Signals.Amplitude(tail, 1000, 48000), 0.4, 0.6);
        Assert.InRange(Signals.Amplitude(tail, 440, 48000), 0, 0.02);
        var full = 0.8 + 0.8 + 0.2;
        if (point == ReplyPoint.AlreadyDrained)
        {
            Assert.True(audio.Duration.TotalSeconds >= full - 0.05, $"{audio.Duration.TotalSeconds:F2} s heard; the whole reply and the next were {full} s");
        }
        else
        {
            Assert.True(audio.Duration.TotalSeconds < full - 0.3, $"{audio.Duration.TotalSeconds:F2} s heard: the interrupted reply played on");
        }
    }

    private static async Task WaitUntil(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(5, cancellationToken);
        }
    }
}
