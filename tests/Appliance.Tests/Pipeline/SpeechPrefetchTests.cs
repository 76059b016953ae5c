using VoiceAppliance.Models;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Tests.Pipeline;

public sealed class SpeechPrefetchTests
{
    [Fact]
    public async Task The_first_sentence_comes_from_the_prefetch_and_the_rest_from_the_engine()
    {
        var engine = new ToneTts();
        var prefetch = SpeechPrefetch.Start(engine, "Turning on the light.", CancellationToken.None);
        Assert.NotNull(await prefetch.Audio.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(["Turning on the light."], engine.Sentences);

        var voice = new PrefetchingTextToSpeech(engine, prefetch);
        var first = await Collect(voice, "Turning on the light.");
        var second = await Collect(voice, "It is dark.");

        Assert.True(voice.Used);
        Assert.Equal(["Turning on the light.", "It is dark."], engine.Sentences); // the first was not synthesised twice
        Assert.Equal("Turning on the light.", Assert.Single(first).Text);
        Assert.Equal("It is dark.", Assert.Single(second).Text);
    }

    [Fact]
    public async Task A_different_first_sentence_or_a_dropped_prefetch_is_synthesised_by_the_engine()
    {
        var engine = new ToneTts();
        var prefetch = SpeechPrefetch.Start(engine, "Volume 40.", CancellationToken.None);
        await prefetch.Audio.WaitAsync(TimeSpan.FromSeconds(30));
        var voice = new PrefetchingTextToSpeech(engine, prefetch);
        Assert.Equal("Volume 45.", Assert.Single(await Collect(voice, "Volume 45.")).Text);
        Assert.False(voice.Used);

        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var dropped = SpeechPrefetch.Start(engine, "Volume 45.", cts.Token);
        Assert.Null(await dropped.Audio.WaitAsync(TimeSpan.FromSeconds(30)));
        var fallback = new PrefetchingTextToSpeech(engine, dropped);
        Assert.Single(await Collect(fallback, "Volume 45."));
        Assert.False(fallback.Used);
    }

    [Fact]
    public async Task A_failed_prefetch_fails_the_reply_as_the_engine_would_have()
    {
        var failing = new ToneTts { Fail = new InvalidOperationException("voice broke") };
        var prefetch = SpeechPrefetch.Start(failing, "Hello.", CancellationToken.None);
        Assert.Null(await prefetch.Audio.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.IsType<InvalidOperationException>(prefetch.Failure);

        // The engine's failure on the sentence is the reply's (an engine that fails once is not asked twice).
        var engine = new ToneTts();
        var voice = new PrefetchingTextToSpeech(engine, prefetch);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Collect(voice, "Hello."));
        Assert.Equal("voice broke", error.Message);
        Assert.Empty(engine.Sentences);
        Assert.False(voice.Used);
    }

    private static async Task<List<AudioChunk>> Collect(ITextToSpeech voice, string text)
    {
        var chunks = new List<AudioChunk>();
        await foreach (var chunk in voice.SynthesizeAsync(text, null, CancellationToken.None))
        {
            chunks.Add(chunk);
        }

        return chunks;
    }
}
