using System.Runtime.InteropServices;
using VoiceAppliance.Hosting;

namespace VoiceAppliance.Tests.Hosting;

public sealed class NativeHeapTests
{
    [Fact]
    public unsafe void Trim_returns_freed_native_heap_memory_to_the_system()
    {
        // 100 MB of small blocks (below glibc's mmap threshold, so they come from the heap), all freed except the
        // last, which pins the heap's top so glibc cannot give the memory back by itself.
        const int Count = 200_000;
        const int Size = 512;
        var blocks = new nint[Count];
        for (var i = 0; i < Count; i++)
        {
            var p = (byte*)NativeMemory.Alloc(Size);
            new Span<byte>(p, Size).Fill(1);
            blocks[i] = (nint)p;
        }

        for (var i = 0; i < Count - 1; i++)
        {
            NativeMemory.Free((void*)blocks[i]);
        }

        var before = ResidentKb();
        NativeHeap.Trim();
        var after = ResidentKb();
        NativeMemory.Free((void*)blocks[Count - 1]);
        Assert.True(before - after > 50_000, $"RSS {before} kB before the trim, {after} kB after: the freed 100 MB stayed resident");
    }

    private static long ResidentKb()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("no VmRSS in /proc/self/status");
    }
}
