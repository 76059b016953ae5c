using BenchmarkDotNet.Attributes;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Models.Text;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Workflows.Intents;

namespace VoiceAppliance.Benchmarks.Pipeline;

/// <summary>
/// The pipeline's per-window work and its per-reply text work. Per-window rows must allocate 0 B
/// (MemoryDiagnoser column). <c>--filter *PipelineHotPath*</c>.
/// </summary>
[MemoryDiagnoser]
public class PipelineHotPathBenchmarks
{
    private readonly float[] _window = new float[512];
    private Endpointer _endpointer = null!;
    private AudioRing _ring = null!;
    private VoicePipeline _idle = null!;
    private IntentRecognizer _recognizer = null!;
    private int _i;

    /// <summary>Builds the parts.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _endpointer = new Endpointer(new EndpointingOptions(), 16000);
        _endpointer.Reset(endOnSilence: false, noSpeechTimeout: TimeSpan.FromHours(1));
        _ring = new AudioRing(16000);
        _idle = new VoicePipeline(
            new PipelineEngines(new NullCapture(), new NullPlayback(), new EnergyVad(), new ScriptedStt(), new ToneTts(), new Workflows.IntentWorkflow(BenchIntents.Options)),
            new PipelineOptions());
        _recognizer = new Workflows.IntentWorkflow(BenchIntents.Options).Recognizer;
    }

    /// <summary>Releases the pipeline.</summary>
    [GlobalCleanup]
    public void Cleanup() => _idle.Dispose();

    /// <summary>Listening: pre-roll ring + endpointer on one 32 ms window (the VAD is measured by its own bench).</summary>
    [Benchmark]
    public EndpointDecision ListeningWindow()
    {
        _ring.Write(_window);
        var d = _endpointer.Process((_i++ & 7) == 0 ? 0.2f : 0.9f, _window.Length);
        if (d != EndpointDecision.Continue && d != EndpointDecision.SpeechStarted)
        {
            _endpointer.Reset(endOnSilence: false);
        }

        return d;
    }

    /// <summary>Idle: the audio loop's whole per-window path (lock, state, pre-roll).</summary>
    [Benchmark]
    public void IdleWindow() => _idle.ProcessWindow(_window);

    /// <summary>Splitting a three-sentence reply streamed in six pieces.</summary>
    [Benchmark]
    public int SplitReply()
    {
        var splitter = new SentenceSplitter();
        var list = new List<string>(4);
        foreach (var piece in s_pieces)
        {
            splitter.Append(piece, list);
        }

        splitter.Flush(list);
        return list.Count;
    }

    /// <summary>Recognising a Whisper-style transcript against the bench intents.</summary>
    [Benchmark]
    public IntentMatch? RecognizeIntent() => _recognizer.Recognize("Set the volume to 40%.");

    private static readonly string[] s_pieces = ["It is ", "sunny today. Tomor", "row it will ", "rain. Take an ", "umbrella", "."];

    private sealed class NullCapture : IAudioCapture
    {
        public int SampleRate => 16000;

        public long DroppedSamples => 0;

        public ValueTask<bool> ReadAsync(Memory<float> destination, CancellationToken cancellationToken) => ValueTask.FromResult(false);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class NullPlayback : IAudioPlayback
    {
        public int Volume { get; set; }

        public TimeSpan PlayedPosition => TimeSpan.Zero;

        public ValueTask WriteAsync(ReadOnlyMemory<float> samples, int sampleRate, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DrainAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask FadeOutAsync(TimeSpan duration, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public void StopImmediately()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
