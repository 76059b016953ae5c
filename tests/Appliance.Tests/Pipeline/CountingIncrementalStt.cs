using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using VoiceAppliance.Models;

namespace VoiceAppliance.Tests.Pipeline;

/// <summary>
/// Records every decode an incremental engine (the real whisper engine on a generated model) is asked for: audio
/// length, prompt, threads, the thread it was asked on, whether it ran to the end or was cancelled, and how many ran
/// at once. <see cref="Hold"/> keeps a background decode (threads above 0) from starting until it is released or
/// cancelled, so a test can act while one is in flight.
/// </summary>
internal sealed class CountingIncrementalStt(IIncrementalSpeechToText inner) : IIncrementalSpeechToText
{
    private readonly ConcurrentQueue<DecodeCall> _calls = new();
    private int _running;
    private int _maxRunning;

    public IReadOnlyList<DecodeCall> Calls => [.. _calls];

    /// <summary>Most decodes that ran at the same time.</summary>
    public int MaxConcurrent => Volatile.Read(ref _maxRunning);

    /// <summary>When set, background decodes wait for it (or for their cancellation) before decoding.</summary>
    public TaskCompletionSource? Hold { get; set; }

    /// <summary>Completed when a background decode has started (and is held, if <see cref="Hold"/> is set).</summary>
    public TaskCompletionSource BackgroundStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Reads the pipeline's state when a decode starts (null: not recorded).</summary>
    public Func<string>? StateProbe { get; set; }

    public string Name => inner.Name;

    public IAsyncEnumerable<TranscriptSegment> TranscribeAsync(ReadOnlyMemory<float> audio, CancellationToken cancellationToken) =>
        Run(audio, null, 0, cancellationToken);

    public IAsyncEnumerable<TranscriptSegment> TranscribeContinuationAsync(ReadOnlyMemory<float> audio, string precedingText, int threads, CancellationToken cancellationToken) =>
        Run(audio, precedingText, threads, cancellationToken);

    private async IAsyncEnumerable<TranscriptSegment> Run(ReadOnlyMemory<float> audio, string? prompt, int threads, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var call = new DecodeCall(audio.Length, prompt, threads, Thread.CurrentThread.Name) { State = StateProbe?.Invoke() };
        _calls.Enqueue(call);
        var running = Interlocked.Increment(ref _running);
        InterlockedMax(ref _maxRunning, running);
        try
        {
            if (threads > 0)
            {
                BackgroundStarted.TrySetResult();
                if (Hold is { } hold)
                {
                    try
                    {
                        await hold.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        call.Cancelled = true;
                        throw;
                    }
                }
            }

            var source = prompt is null ? inner.TranscribeAsync(audio, cancellationToken) : inner.TranscribeContinuationAsync(audio, prompt, threads, cancellationToken);
            await using var e = source.GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                try
                {
                    if (!await e.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }
                }
                catch (OperationCanceledException)
                {
                    call.Cancelled = true;
                    throw;
                }

                call.Text += (call.Text.Length > 0 ? " " : string.Empty) + e.Current.Text.Trim();
                yield return e.Current;
            }

            call.Completed = true;
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}

/// <summary>One decode asked of <see cref="CountingIncrementalStt"/>.</summary>
internal sealed class DecodeCall(int samples, string? prompt, int threads, string? thread)
{
    public int Samples { get; } = samples;

    /// <summary>The preceding text (null: a plain whole-utterance decode).</summary>
    public string? Prompt { get; } = prompt;

    /// <summary>Threads asked for: above 0 for a background decode while the user speaks, 0 for the tail.</summary>
    public int Threads { get; } = threads;

    public string? Thread { get; } = thread;

    /// <summary>The pipeline's state when the decode started, when a probe was set.</summary>
    public string? State { get; init; }

    public string Text { get; set; } = string.Empty;

    public bool Completed { get; set; }

    public bool Cancelled { get; set; }

    public bool Background => Threads > 0;
}
