namespace VoiceAppliance.Hosting;

/// <summary>
/// Gives the native heap's free memory back to the system after a session. ONNX Runtime (Piper runs without its memory
/// arena) and pocketsphinx free their per-utterance buffers, but glibc keeps freed memory in the process: after a long
/// reply about 45 MB stayed resident for good. One <c>malloc_trim</c> when a session ends returns it (measured: RSS
/// after a long reply 215 -> 168 MB). It runs on the event bridge, never on the audio path.
/// </summary>
internal static class NativeHeap
{
    private static int s_unavailable;

    /// <summary>Trims the heap; a C library without <c>malloc_trim</c> (not glibc) makes this a no-op from then on.</summary>
    public static void Trim()
    {
        if (Volatile.Read(ref s_unavailable) != 0)
        {
            return;
        }

        try
        {
            _ = Interop.Libc.MallocTrim(0);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            Volatile.Write(ref s_unavailable, 1);
        }
    }
}
