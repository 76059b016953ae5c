using System.Runtime.CompilerServices;
using System.Threading.Channels;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Models;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Testing;
using VoiceAppliance.Workflows;

namespace VoiceAppliance.Tests.Pipeline;

/// <summary>
/// Test audio where each sample's value is the speech probability the <see cref="ScriptedVad"/> reports
/// for its window: speech is 0.9, silence 0.0.
/// </summary>
internal static class TestAudio
{
    public const int Rate = 16000;
    public const int Window = 512;

    public static float[] Speech(double seconds, float probability = 0.9f) => Fill(seconds, probability);

    public static float[] Silence(double seconds) => Fill(seconds, 0f);

    public static float[] Fill(double seconds, float value)
    {
        var windows = (int)Math.Ceiling(seconds * Rate / Window);
        var a = new float[windows * Window];
        Array.Fill(a, value);
        return a;
    }
}

/// <summary>A microphone fed by the test. ReadAsync waits while nothing is queued; <see cref="WaitStarvedAsync"/> tells when everything queued has been read and processed.</summary>
internal sealed class ScriptedCapture : IAudioCapture
{
    private readonly Channel<float[]> _queue = Channel.CreateUnbounded<float[]>();
    private readonly object _gate = new();
    private float[]? _current;
    private int _offset;
    private TaskCompletionSource _starved = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? _failNext;

    public int SampleRate => TestAudio.Rate;

    public long DroppedSamples { get; set; }

    public long SamplesRead { get; private set; }

    public void Enqueue(params float[][] audio)
    {
        lock (_gate)
        {
            _starved = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            foreach (var a in audio)
            {
                _queue.Writer.TryWrite(a);
            }
        }
    }

    public void Complete() => _queue.Writer.TryComplete();

    public void FailNextRead(Exception ex)
    {
        lock (_gate)
        {
            _failNext = ex;
            _starved = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        _queue.Writer.TryWrite([]); // wake the reader
    }

    /// <summary>Completes once the reader asks for more than is queued (all earlier windows were processed).</summary>
    public Task WaitStarvedAsync()
    {
        lock (_gate)
        {
            return _starved.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    public async ValueTask<bool> ReadAsync(Memory<float> destination, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < destination.Length)
        {
            lock (_gate)
            {
                if (_failNext is { } fail)
                {
                    _failNext = null;
                    throw fail;
                }
            }

            if (_current is null || _offset >= _current.Length)
            {
                bool got;
                lock (_gate)
                {
                    got = _queue.Reader.TryRead(out _current);
                    if (!got)
                    {
                        _starved.TrySetResult();
                    }
                }

                if (!got)
                {
                    if (!await _queue.Reader.WaitToReadAsync(cancellationToken))
                    {
                        return false;
                    }

                    continue;
                }

                _offset = 0;
                continue;
            }

            var n = Math.Min(destination.Length - filled, _current.Length - _offset);
            _current.AsSpan(_offset, n).CopyTo(destination.Span[filled..]);
            _offset += n;
            filled += n;
        }

        SamplesRead += filled;
        return true;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>A VAD that reports the first sample of each window as the speech probability.</summary>
internal sealed class ScriptedVad : IVoiceActivityDetector
{
    public int SampleRate => TestAudio.Rate;

    public int WindowSamples => TestAudio.Window;

    public int Calls { get; private set; }

    public int Resets { get; private set; }

    public Exception? Fail { get; set; }

    public float Process(ReadOnlySpan<float> window)
    {
        Calls++;
        if (Fail is { } ex)
        {
            throw ex;
        }

        return window[0];
    }

    public void Reset() => Resets++;

    public void Dispose()
    {
    }
}

/// <summary>An STT that returns the given text as two segments, optionally after a gate, or fails.</summary>
internal sealed class FakeStt : ISpeechToText
{
    public string Name => "fake-stt";

    public Func<ReadOnlyMemory<float>, string> Text { get; set; } = _ => "turn on the light";

    public Exception? Fail { get; set; }

    public TaskCompletionSource? Gate { get; set; }

    public List<int> AudioLengths { get; } = [];

    public async IAsyncEnumerable<TranscriptSegment> TranscribeAsync(ReadOnlyMemory<float> audio, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        lock (AudioLengths)
        {
            AudioLengths.Add(audio.Length);
        }

        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        if (Fail is { } ex)
        {
            throw ex;
        }

        var words = Text(audio).Split(' ', 2);
        yield return new TranscriptSegment(words[0], TimeSpan.Zero, TimeSpan.FromSeconds(0.5), float.NaN);
        if (words.Length > 1)
        {
            yield return new TranscriptSegment(" " + words[1], TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1), float.NaN);
        }
    }
}

/// <summary>A TTS that produces a 440 Hz tone per sentence (10 ms per character) and records the sentences.</summary>
internal sealed class ToneTts : ITextToSpeech
{
    public string Name => "tone";

    public int SampleRate => 22050;

    public List<string> Sentences { get; } = [];

    public Exception? Fail { get; set; }

    public async IAsyncEnumerable<AudioChunk> SynthesizeAsync(string text, SynthesisOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        if (Fail is { } ex)
        {
            throw ex;
        }

        lock (Sentences)
        {
            Sentences.Add(text);
        }

        var n = SampleRate * text.Length / 100;
        var samples = new float[n];
        for (var i = 0; i < n; i++)
        {
            samples[i] = 0.5f * MathF.Sin(2 * MathF.PI * 440 * i / SampleRate);
        }

        yield return new AudioChunk(samples, SampleRate, 0, text);
    }
}

/// <summary>A speaker that records what it is given. Drain waits on <see cref="HoldDrain"/> when set.</summary>
internal sealed class RecordingPlayback : IAudioPlayback
{
    private readonly object _gate = new();

    public int Volume { get; set; } = 50;

    public TimeSpan PlayedPosition { get; set; }

    public List<float[]> Writes { get; } = [];

    public int Stops { get; private set; }

    public int Fades { get; private set; }

    public int Drains { get; private set; }

    public Exception? Fail { get; set; }

    public TaskCompletionSource? HoldDrain { get; set; }

    public TaskCompletionSource FirstWrite { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int WriteCount
    {
        get
        {
            lock (_gate)
            {
                return Writes.Count;
            }
        }
    }

    public ValueTask WriteAsync(ReadOnlyMemory<float> samples, int sampleRate, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Fail is { } ex)
        {
            throw ex;
        }

        lock (_gate)
        {
            Writes.Add(samples.ToArray());
        }

        FirstWrite.TrySetResult();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        Drains++;
        if (HoldDrain is { } hold)
        {
            await hold.Task.WaitAsync(cancellationToken);
        }
    }

    public ValueTask FadeOutAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        Fades++;
        return ValueTask.CompletedTask;
    }

    public void StopImmediately() => Stops++;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>A workflow driven by a delegate.</summary>
internal sealed class DelegateWorkflow(Func<WorkflowTurn, CancellationToken, IAsyncEnumerable<string>> respond) : IVoiceWorkflow
{
    public string Name => "delegate";

    public List<string> Transcripts { get; } = [];

    public IAsyncEnumerable<string> RespondAsync(WorkflowTurn turn, CancellationToken cancellationToken)
    {
        lock (Transcripts)
        {
            Transcripts.Add(turn.Transcript);
        }

        return respond(turn, cancellationToken);
    }

    public static DelegateWorkflow Reply(params string[] pieces) => new((_, ct) => Pieces(pieces, ct));

    public static async IAsyncEnumerable<string> Pieces(string[] pieces, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var p in pieces)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            yield return p;
        }
    }
}

/// <summary>Collects a pipeline's events and waits for the ones a test expects.</summary>
internal sealed class EventLog : IDisposable
{
    private readonly PipelineEventSubscription _subscription;
    private readonly List<PipelineEvent> _events = [];
    private readonly Task _pump;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public EventLog(PipelineEventBroadcaster events)
    {
        _subscription = events.Subscribe(4096);
        _pump = Task.Run(async () =>
        {
            await foreach (var e in _subscription)
            {
                TaskCompletionSource changed;
                lock (_events)
                {
                    _events.Add(e);
                    changed = _changed;
                    _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                changed.TrySetResult();
            }
        });
    }

    public IReadOnlyList<PipelineEvent> Snapshot()
    {
        lock (_events)
        {
            return [.. _events];
        }
    }

    public IEnumerable<T> OfType<T>() => Snapshot().OfType<T>();

    /// <summary>Waits (up to 10 s, a safety net, not a timing assertion) for the <paramref name="nth"/> event of type T matching.</summary>
    public async Task<T> WaitFor<T>(Func<T, bool>? predicate = null, int nth = 1)
        where T : PipelineEvent
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            Task changed;
            lock (_events)
            {
                var found = _events.OfType<T>().Where(e => predicate?.Invoke(e) ?? true).Skip(nth - 1).FirstOrDefault();
                if (found is not null)
                {
                    return found;
                }

                changed = _changed.Task;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"no {typeof(T).Name} #{nth} arrived; events: {string.Join(", ", Snapshot().Select(Describe))}");
            }

            await Task.WhenAny(changed, Task.Delay(left));
        }
    }

    public Task<StateChangedEvent> WaitForState(PipelineState state, int nth = 1) => WaitFor<StateChangedEvent>(e => e.To == state, nth);

    public static string Describe(PipelineEvent e) => e switch
    {
        StateChangedEvent s => $"{s.From}->{s.To}",
        SessionEndedEvent s => $"session_ended({s.Reason})",
        PipelineErrorEvent s => $"error({s.Source})",
        TranscriptEvent s => $"transcript({s.Text},{s.IsFinal})",
        _ => e.EventType,
    };

    public string Trace() => string.Join(" ", Snapshot().Select(Describe));

    public void Dispose() => _subscription.Dispose();
}

/// <summary>A pipeline over the fakes, with its audio loop running.</summary>
internal sealed class PipelineRig : IAsyncDisposable
{
    private readonly CancellationTokenSource _cts = new();

    /// <param name="workflow">The workflow (default: one fixed reply).</param>
    /// <param name="options">Pipeline options.</param>
    /// <param name="wrapTts">Wraps <see cref="Tts"/> in what the pipeline is given (default: the tone voice itself).</param>
    public PipelineRig(IVoiceWorkflow? workflow = null, PipelineOptions? options = null, Func<ToneTts, TimeProvider, ITextToSpeech>? wrapTts = null)
    {
        Workflow = workflow ?? DelegateWorkflow.Reply("Turning on the light.");
        var tts = wrapTts is null ? Tts : wrapTts(Tts, Time);
        Pipeline = new VoicePipeline(new PipelineEngines(Capture, Playback, Vad, Stt, tts, Workflow), options ?? new PipelineOptions(), Time);
        Log = new EventLog(Pipeline.Events);
        Loop = Task.Run(() => Pipeline.RunAsync(_cts.Token));
    }

    public ManualTimeProvider Time { get; } = new();

    public ScriptedCapture Capture { get; } = new();

    public RecordingPlayback Playback { get; } = new();

    public ScriptedVad Vad { get; } = new();

    public FakeStt Stt { get; } = new();

    public ToneTts Tts { get; } = new();

    public IVoiceWorkflow Workflow { get; }

    public VoicePipeline Pipeline { get; }

    public EventLog Log { get; }

    public Task Loop { get; }

    /// <summary>Queues audio and waits until the audio loop has processed all of it.</summary>
    public async Task Feed(params float[][] audio)
    {
        Capture.Enqueue(audio);
        await Capture.WaitStarvedAsync();
    }

    /// <summary>Taps and speaks a command: speech then enough silence to end it.</summary>
    public async Task SpeakCommand(double speech = 1.0)
    {
        Pipeline.Tap();
        await Feed(TestAudio.Silence(0.2), TestAudio.Speech(speech), TestAudio.Silence(1.0));
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        try
        {
            await Loop.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
        }

        Pipeline.Dispose();
        Log.Dispose();
        _cts.Dispose();
    }
}
