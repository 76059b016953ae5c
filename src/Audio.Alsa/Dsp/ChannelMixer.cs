using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace VoiceAppliance.Audio.Alsa.Dsp;

/// <summary>
/// Interleaved multichannel float -> mono with per-channel weights: channel select (one weight 1),
/// downmix (all 1/n) or a list of channels. SIMD for 2, 4 and 8 channels (weights applied per lane, then
/// pairwise horizontal adds: SSE3 <c>haddps</c> / AdvSimd <c>faddp</c>), scalar for other counts.
/// </summary>
public static class ChannelMixer
{
    /// <summary>
    /// mono[j] = sum_c weights[c] * interleaved[j * channels + c], for every whole frame of
    /// <paramref name="interleaved"/>. Returns the number of frames written.
    /// </summary>
    public static int Mix(ReadOnlySpan<float> interleaved, int channels, ReadOnlySpan<float> weights, Span<float> mono)
    {
        Check(interleaved, channels, weights, mono, out var frames);
        var done = 0;
        if (channels == 1)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(interleaved[..frames], weights[0], mono);
            return frames;
        }

        if ((Sse3.IsSupported || AdvSimd.Arm64.IsSupported) && SimdWidth.Use128)
        {
            done = channels switch
            {
                2 => Mix2(interleaved, weights, mono, frames),
                4 => Mix4(interleaved, weights, mono, frames),
                8 => Mix8(interleaved, weights, mono, frames),
                _ => 0,
            };
        }

        MixScalarRange(interleaved, channels, weights, mono, done, frames);
        return frames;
    }

    /// <summary>Scalar reference of <see cref="Mix"/>.</summary>
    public static int MixScalar(ReadOnlySpan<float> interleaved, int channels, ReadOnlySpan<float> weights, Span<float> mono)
    {
        Check(interleaved, channels, weights, mono, out var frames);
        MixScalarRange(interleaved, channels, weights, mono, 0, frames);
        return frames;
    }

    private static void MixScalarRange(ReadOnlySpan<float> interleaved, int channels, ReadOnlySpan<float> weights, Span<float> mono, int from, int frames)
    {
        for (var j = from; j < frames; j++)
        {
            var frame = interleaved.Slice(j * channels, channels);
            var sum = 0f;
            for (var c = 0; c < channels; c++)
            {
                sum += frame[c] * weights[c];
            }

            mono[j] = sum;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> PairAdd(Vector128<float> a, Vector128<float> b) =>
        Sse3.IsSupported ? Sse3.HorizontalAdd(a, b) : AdvSimd.Arm64.AddPairwise(a, b);

    private static int Mix2(ReadOnlySpan<float> src, ReadOnlySpan<float> weights, Span<float> mono, int frames)
    {
        ref var s = ref MemoryMarshal.GetReference(src);
        ref var d = ref MemoryMarshal.GetReference(mono);
        var w = Vector128.Create(weights[0], weights[1], weights[0], weights[1]);
        var j = 0;
        for (; j <= frames - 4; j += 4)
        {
            var a = Vector128.LoadUnsafe(ref s, (nuint)(j * 2)) * w;
            var b = Vector128.LoadUnsafe(ref s, (nuint)((j * 2) + 4)) * w;
            PairAdd(a, b).StoreUnsafe(ref d, (nuint)j);
        }

        return j;
    }

    private static int Mix4(ReadOnlySpan<float> src, ReadOnlySpan<float> weights, Span<float> mono, int frames)
    {
        ref var s = ref MemoryMarshal.GetReference(src);
        ref var d = ref MemoryMarshal.GetReference(mono);
        var w = Vector128.Create(weights[0], weights[1], weights[2], weights[3]);
        var j = 0;
        for (; j <= frames - 4; j += 4)
        {
            var o = (nuint)(j * 4);
            var f0 = Vector128.LoadUnsafe(ref s, o) * w;
            var f1 = Vector128.LoadUnsafe(ref s, o + 4) * w;
            var f2 = Vector128.LoadUnsafe(ref s, o + 8) * w;
            var f3 = Vector128.LoadUnsafe(ref s, o + 12) * w;
            PairAdd(PairAdd(f0, f1), PairAdd(f2, f3)).StoreUnsafe(ref d, (nuint)j);
        }

        return j;
    }

    private static int Mix8(ReadOnlySpan<float> src, ReadOnlySpan<float> weights, Span<float> mono, int frames)
    {
        ref var s = ref MemoryMarshal.GetReference(src);
        ref var d = ref MemoryMarshal.GetReference(mono);
        var wl = Vector128.Create(weights[0], weights[1], weights[2], weights[3]);
        var wh = Vector128.Create(weights[4], weights[5], weights[6], weights[7]);
        var j = 0;
        for (; j <= frames - 4; j += 4)
        {
            var o = (nuint)(j * 8);
            var f0 = (Vector128.LoadUnsafe(ref s, o) * wl) + (Vector128.LoadUnsafe(ref s, o + 4) * wh);
            var f1 = (Vector128.LoadUnsafe(ref s, o + 8) * wl) + (Vector128.LoadUnsafe(ref s, o + 12) * wh);
            var f2 = (Vector128.LoadUnsafe(ref s, o + 16) * wl) + (Vector128.LoadUnsafe(ref s, o + 20) * wh);
            var f3 = (Vector128.LoadUnsafe(ref s, o + 24) * wl) + (Vector128.LoadUnsafe(ref s, o + 28) * wh);
            PairAdd(PairAdd(f0, f1), PairAdd(f2, f3)).StoreUnsafe(ref d, (nuint)j);
        }

        return j;
    }

    private static void Check(ReadOnlySpan<float> interleaved, int channels, ReadOnlySpan<float> weights, Span<float> mono, out int frames)
    {
        if (channels < 1 || weights.Length != channels)
        {
            throw new ArgumentException($"need one weight per channel: {channels} channels, {weights.Length} weights", nameof(weights));
        }

        frames = interleaved.Length / channels;
        if (mono.Length < frames)
        {
            throw new ArgumentException($"mono buffer holds {mono.Length} frames but the input has {frames}", nameof(mono));
        }
    }
}
