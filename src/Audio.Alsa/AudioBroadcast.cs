namespace VoiceAppliance.Audio.Alsa;

/// <summary>
/// A lock-free "something changed" signal for any number of waiters, each with its own completion: a producer
/// thread calls <see cref="Set"/>; a waiter takes <see cref="Next"/> first, then re-checks its condition, then
/// awaits the task (with its own cancellation through <see cref="Task.WaitAsync(CancellationToken)"/>). A waiter
/// that gives up (cancelled) leaves every other waiter untouched, unlike a single-waiter value-task source shared
/// by two operations (playback's drain and fade).
/// </summary>
/// <remarks>
/// <see cref="Set"/> is one interlocked exchange with nobody waiting: cheap enough for the audio thread, and it
/// never blocks. A wait allocates one <see cref="TaskCompletionSource"/>, shared by all who wait for the same
/// change; waits happen once per reply (drain, fade), never per frame.
/// </remarks>
internal sealed class AudioBroadcast
{
    private TaskCompletionSource? _next;

    /// <summary>The task the next <see cref="Set"/> completes. Take it before checking the condition waited for.</summary>
    public Task Next()
    {
        while (true)
        {
            var current = Volatile.Read(ref _next);
            if (current is not null)
            {
                return current.Task;
            }

            var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (Interlocked.CompareExchange(ref _next, created, null) is null)
            {
                return created.Task;
            }
        }
    }

    /// <summary>Producer: wakes everyone waiting now; does nothing (and allocates nothing) when nobody waits.</summary>
    public void Set() => Interlocked.Exchange(ref _next, null)?.TrySetResult();
}
