using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging.Abstractions;
using VoiceAppliance.Configuration;
using VoiceAppliance.Hosting;
using VoiceAppliance.Models;
using VoiceAppliance.Models.Piper;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Testing;
using VoiceAppliance.Tests.Pipeline;

namespace VoiceAppliance.Tests.Hosting;

public sealed class OnDemandTextToSpeechTests
{
    private static readonly TimeSpan UnloadAfter = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_idle_voice_is_unloaded_after_the_delay_and_loaded_again_for_the_next_reply()
    {
        var time = new ManualTimeProvider();
        var first = new CountingVoice();
        var reloaded = new List<CountingVoice>();
        var trims = 0;
        using var voice = new OnDemandTextToSpeech(first, () => { var v = new CountingVoice(); lock (reloaded) { reloaded.Add(v); } return v; }, UnloadAfter, time, () => trims++, NullLogger.Instance);

        time.Advance(UnloadAfter - TimeSpan.FromSeconds(1));
        Assert.True(voice.IsLoaded);
        Assert.False(first.Disposed);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(voice.IsLoaded);
        Assert.True(first.Disposed);
        Assert.Equal(1, voice.Unloads);
        Assert.Equal(1, trims);

        var chunks = await Collect(voice, "Hello there.");
        Assert.Single(chunks);
        Assert.Equal(1, voice.Loads);
        Assert.Single(reloaded);
        Assert.Equal(["Hello there."], reloaded[0].Texts);
        Assert.Equal(first.Name, voice.Name);
        Assert.Equal(first.SampleRate, voice.SampleRate);
    }

    [Fact]
    public async Task Warm_up_loads_in_the_background_and_pushes_the_unload_back()
    {
        var time = new ManualTimeProvider();
        var loadStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var voice = new OnDemandTextToSpeech(new CountingVoice(), () => { loadStarted.TrySetResult(); return new CountingVoice(); }, UnloadAfter, time, () => { }, NullLogger.Instance);

        time.Advance(UnloadAfter);
        Assert.False(voice.IsLoaded);

        voice.WarmUp();
        await loadStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(voice.IsLoaded);

        // A reply at the same instant waits for that load (no second one) and leaves the unload timing as it was.
        Assert.Single(await Collect(voice, "Ready."));
        Assert.Equal(1, voice.Loads);

        // A second warm-up while loaded starts nothing, and moves the unload a full delay on.
        time.Advance(TimeSpan.FromSeconds(50));
        voice.WarmUp();
        time.Advance(TimeSpan.FromSeconds(50));
        Assert.True(voice.IsLoaded);
        Assert.Equal(1, voice.Loads);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(voice.IsLoaded);
        Assert.Equal(2, voice.Unloads);
    }

    [Fact]
    public async Task A_voice_that_is_speaking_is_never_unloaded()
    {
        var time = new ManualTimeProvider();
        var first = new CountingVoice();
        using var voice = new OnDemandTextToSpeech(first, () => new CountingVoice(), UnloadAfter, time, () => { }, NullLogger.Instance);

        await using (var reply = voice.SynthesizeAsync("One. Two.", null, CancellationToken.None).GetAsyncEnumerator())
        {
            Assert.True(await reply.MoveNextAsync());
            time.Advance(UnloadAfter * 3);
            Assert.True(voice.IsLoaded);
            Assert.False(first.Disposed);
            Assert.True(await reply.MoveNextAsync());
            Assert.False(await reply.MoveNextAsync());
        }

        // The delay counts from the end of the reply.
        time.Advance(UnloadAfter - TimeSpan.FromSeconds(1));
        Assert.True(voice.IsLoaded);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(voice.IsLoaded);
        Assert.True(first.Disposed);
    }

    [Fact]
    public async Task A_failed_load_fails_that_reply_and_the_next_use_tries_again()
    {
        var time = new ManualTimeProvider();
        var attempts = 0;
        using var voice = new OnDemandTextToSpeech(
            new CountingVoice(),
            () => ++attempts == 1 ? throw new InvalidDataException("model.onnx is truncated") : new CountingVoice(),
            UnloadAfter,
            time,
            () => { },
            NullLogger.Instance);
        time.Advance(UnloadAfter);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Collect(voice, "Hi."));
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        Assert.Single(await Collect(voice, "Hi."));
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task Disposing_while_a_load_runs_disposes_the_loaded_voice_when_it_arrives()
    {
        var time = new ManualTimeProvider();
        var release = new ManualResetEventSlim();
        var loaded = new CountingVoice();
        var loadStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var voice = new OnDemandTextToSpeech(new CountingVoice(), () => { loadStarted.TrySetResult(); release.Wait(TimeSpan.FromSeconds(30)); return loaded; }, UnloadAfter, time, () => { }, NullLogger.Instance);
        time.Advance(UnloadAfter);
        voice.WarmUp();
        await loadStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));

        voice.Dispose();
        Assert.False(loaded.Disposed);
        release.Set();
        await loaded.DisposedSignal.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(loaded.Disposed);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => Collect(voice, "Hi."));
    }

    [Fact]
    public async Task A_session_start_warms_an_unloaded_voice_and_the_reply_is_spoken()
    {
        OnDemandTextToSpeech? voice = null;
        await using var rig = new PipelineRig(wrapTts: (tone, time) => voice = new OnDemandTextToSpeech(tone, () => tone, UnloadAfter, time, () => { }, NullLogger.Instance));
        rig.Time.Advance(UnloadAfter);
        Assert.False(voice!.IsLoaded);

        await rig.SpeakCommand();
        await rig.Log.WaitFor<SessionEndedEvent>();
        Assert.Equal(1, voice.Loads);
        Assert.Equal(["Turning on the light."], rig.Tts.Sentences);
        Assert.True(rig.Playback.WriteCount >= 1);
    }

    [Fact]
    public async Task The_real_piper_voice_unloads_and_speaks_the_same_after_reloading()
    {
        var dir = TestPaths.Model("piper/en_US-libritts_r-medium");
        var time = new ManualTimeProvider();
        var deterministic = new PiperTtsOptions { NoiseScale = 0, NoiseW = 0 };
        var first = PiperTts.Open(dir, null, deterministic);
        var before = first.Synthesize("Turning on the light.");
        using var voice = new OnDemandTextToSpeech(first, () => PiperTts.Open(dir, null, deterministic), UnloadAfter, time, NativeHeap.Trim, NullLogger.Instance);

        time.Advance(UnloadAfter);
        Assert.False(voice.IsLoaded);
        Assert.Equal(1, voice.Unloads);

        var after = (await Collect(voice, "Turning on the light.")).SelectMany(c => c.Samples.ToArray()).ToArray();
        Assert.Equal(1, voice.Loads);
        Assert.Equal(before.Length, after.Length);
        Assert.Equal(before, after);
    }

    [Theory]
    [InlineData(TtsResidency.Auto, 512L * 1024 * 1024, TtsResidency.OnDemand)]
    [InlineData(TtsResidency.Auto, 4L * 1024 * 1024 * 1024, TtsResidency.Resident)]
    [InlineData(TtsResidency.Auto, null, TtsResidency.Resident)]
    [InlineData(TtsResidency.Resident, 512L * 1024 * 1024, TtsResidency.Resident)]
    [InlineData(TtsResidency.OnDemand, 4L * 1024 * 1024 * 1024, TtsResidency.OnDemand)]
    public void Auto_residency_unloads_the_voice_only_on_512_MB_boards(TtsResidency configured, long? memTotal, TtsResidency expected)
    {
        var options = new ModelsOptions("/m", "v.onnx", SttEngine.Grammar, "w.bin", 1, "en", "voice", 0, 1.0, TtsResidency: configured);
        Assert.Equal(expected, options.EffectiveTtsResidency(memTotal));
    }

    [Fact]
    public void Mem_total_is_read_from_meminfo_and_nonsense_is_unknown()
    {
        var dir = TestPaths.NewTempDirectory("meminfo");
        try
        {
            var good = Path.Combine(dir, "good");
            File.WriteAllText(good, "MemTotal:         443836 kB\nMemFree:          12000 kB\n");
            Assert.Equal(443836L * 1024, SystemMemory.TotalBytes(good));
            var bad = Path.Combine(dir, "bad");
            File.WriteAllText(bad, "MemTotal:  -5 kB\n");
            Assert.Null(SystemMemory.TotalBytes(bad));
            Assert.Null(SystemMemory.TotalBytes(Path.Combine(dir, "absent")));
            Assert.NotNull(SystemMemory.TotalBytes());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
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

    private sealed class CountingVoice : ITextToSpeech, IDisposable
    {
        public string Name => "counting";

        public int SampleRate => 16000;

        public List<string> Texts { get; } = [];

        public bool Disposed { get; private set; }

        public TaskCompletionSource DisposedSignal { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async IAsyncEnumerable<AudioChunk> SynthesizeAsync(string text, SynthesisOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(Disposed, this);
            Texts.Add(text);
            var sentences = text.Split('.', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            for (var i = 0; i < sentences.Length; i++)
            {
                await Task.Yield();
                yield return new AudioChunk(new float[160], SampleRate, i, sentences[i]);
            }
        }

        public void Dispose()
        {
            Disposed = true;
            DisposedSignal.TrySetResult();
        }
    }
}
