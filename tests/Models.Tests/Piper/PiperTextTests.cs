using VoiceAppliance.Models.Piper;

namespace VoiceAppliance.Models.Tests.Piper;

public sealed class EspeakClauseTests
{
    [Fact]
    public void Clauses_split_at_punctuation_followed_by_space()
    {
        var clauses = EspeakPhonemizer.SplitClauses("Well, 3,5 is it; yes: done.");
        Assert.Equal([("Well", ','), ("3,5 is it", ';'), ("yes", ':'), ("done", '.')], clauses);
    }
}

public sealed class PiperPostProcessingTests
{
    [Fact]
    public void Non_finite_samples_become_silence_and_peaks_are_limited_below_full_scale()
    {
        float[] audio = [0.5f, float.NaN, -1.8f, float.PositiveInfinity, 0.9f, float.NegativeInfinity];
        PiperTts.Finish(audio, volume: 1f);
        Assert.All(audio, s => Assert.True(float.IsFinite(s) && Math.Abs(s) <= 0.99f + 1e-6f));
        Assert.Equal(0f, audio[1]);
        Assert.Equal(-0.99f, audio[2], 5);
        Assert.Equal(0.5f * 0.99f / 1.8f, audio[0], 5);
    }

    [Fact]
    public void Volume_scales_and_quiet_audio_is_not_normalised()
    {
        float[] audio = [0.2f, -0.4f, 0.1f];
        PiperTts.Finish(audio, volume: 0.5f);
        Assert.Equal([0.1f, -0.2f, 0.05f], audio);
        float[] empty = [];
        PiperTts.Finish(empty, volume: 1f);
        Assert.Empty(empty);
    }
}
