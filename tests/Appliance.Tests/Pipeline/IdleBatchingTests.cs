using System.Collections.Concurrent;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests.Pipeline;

/// <summary>
/// The audio thread's wake-ups (issue 13): while Idle with no wake word it waits for
/// <see cref="AudioFrontEnd.IdleWindowsPerWakeUp"/> windows at a time, and for one window in any other state; the
/// windows it waited for are all processed, none lost.
/// </summary>
public sealed class IdleBatchingTests
{
    private const int Batch = TestAudio.Window * AudioFrontEnd.IdleWindowsPerWakeUp;

    [Fact]
    public async Task Idle_waits_for_a_batch_of_windows_and_a_session_waits_for_one()
    {
        var capture = new BlockingScriptedCapture();
        using var pipeline = new VoicePipeline(
            new PipelineEngines(capture, new RecordingPlayback(), new ScriptedVad(), new FakeStt(), new ToneTts(), DelegateWorkflow.Reply("x")),
            new PipelineOptions(),
            new ManualTimeProvider());
        using var cts = new CancellationTokenSource();
        var loop = Task.Run(() => pipeline.RunAsync(cts.Token));
        try
        {
            // Idle, nothing buffered: the thread asks for a whole batch.
            await capture.WaitForRequest(Batch);

            // Less than a batch does not wake it; the rest of the batch does, and every window is read.
            capture.Write(new float[Batch - TestAudio.Window]);
            capture.Write(new float[TestAudio.Window]);
            await capture.WaitForRequest(Batch, after: Batch);
            Assert.Equal(PipelineState.Idle, pipeline.State);
            Assert.DoesNotContain(capture.Requests, r => r.Count != Batch);

            // A session: the state changes at once, and from the next wake-up on the thread asks for one window.
            pipeline.Tap();
            Assert.Equal(PipelineState.Listening, pipeline.State);
            capture.Write(new float[Batch]); // completes the wait still pending from Idle
            await capture.WaitForRequest(TestAudio.Window, after: 2 * Batch);
            Assert.Equal(2 * Batch, capture.SamplesRead);

            capture.Write(new float[TestAudio.Window / 2]);
            await capture.WaitForRequest(TestAudio.Window / 2, after: 2 * Batch + (TestAudio.Window / 2)); // the rest of the window
            Assert.Equal(PipelineState.Listening, pipeline.State);
        }
        finally
        {
            await cts.CancelAsync();
            capture.Complete();
            await loop.WaitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(2 * Batch + (TestAudio.Window / 2), capture.SamplesRead);
    }

    /// <summary>A blocking microphone fed by the test; it records what each wait asked for (the hardware seam's fake).</summary>
    private sealed class BlockingScriptedCapture : IBlockingAudioCapture
    {
        private readonly object _gate = new();
        private readonly Queue<float> _buffer = new();
        private bool _ended;

        public ConcurrentQueue<(int Count, long ReadBefore)> Requests { get; } = new();

        public int SampleRate => TestAudio.Rate;

        public long DroppedSamples => 0;

        public bool HasEnded
        {
            get
            {
                lock (_gate)
                {
                    return _ended;
                }
            }
        }

        public Exception? Failure => null;

        public int BufferedSamples
        {
            get
            {
                lock (_gate)
                {
                    return _buffer.Count;
                }
            }
        }

        public long SamplesRead { get; private set; }

        public void Write(float[] samples)
        {
            lock (_gate)
            {
                foreach (var s in samples)
                {
                    _buffer.Enqueue(s);
                }

                Monitor.PulseAll(_gate);
            }
        }

        public void Complete()
        {
            lock (_gate)
            {
                _ended = true;
                Monitor.PulseAll(_gate);
            }
        }

        public int TryRead(Span<float> destination)
        {
            lock (_gate)
            {
                var n = Math.Min(destination.Length, _buffer.Count);
                for (var i = 0; i < n; i++)
                {
                    destination[i] = _buffer.Dequeue();
                }

                SamplesRead += n;
                return n;
            }
        }

        public bool WaitForSamples(int count, TimeSpan timeout, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                Requests.Enqueue((count, SamplesRead));
                var deadline = DateTime.UtcNow + timeout;
                while (_buffer.Count < count && !_ended)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero)
                    {
                        return false; // the thread beats and asks again: the same count is recorded again
                    }

                    Monitor.Wait(_gate, left < TimeSpan.FromMilliseconds(50) ? left : TimeSpan.FromMilliseconds(50));
                }

                return true;
            }
        }

        /// <summary>Waits until the thread asks for <paramref name="count"/> samples after <paramref name="after"/> were read.</summary>
        public async Task<(int Count, long ReadBefore)> WaitForRequest(int count, long after = 0)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (DateTime.UtcNow < deadline)
            {
                foreach (var r in Requests)
                {
                    if (r.Count == count && r.ReadBefore == after)
                    {
                        return r;
                    }
                }

                await Task.Delay(10);
            }

            Assert.Fail($"the audio thread never asked for {count} samples after {after} were read; it asked for: "
                + string.Join(", ", Requests.Select(r => $"{r.Count} after {r.ReadBefore}")));
            return default;
        }

        public ValueTask<bool> ReadAsync(Memory<float> destination, CancellationToken cancellationToken) =>
            throw new NotSupportedException("the front end reads a blocking capture with TryRead");

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
