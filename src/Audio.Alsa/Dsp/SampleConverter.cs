using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace VoiceAppliance.Audio.Alsa.Dsp;

/// <summary>
/// Integer PCM &lt;-&gt; float conversion with gain. Each method has a SIMD path (Vector256 where the CPU
/// accelerates it, else Vector128, which the Pi's AdvSimd does) with a scalar tail, and a scalar reference
/// (<c>*Scalar</c>) the tests compare it with. Little-endian hosts only (x64, arm64).
/// </summary>
public static class SampleConverter
{
    private const float S16Scale = 1f / 32768f;
    private const float S24Scale = 1f / 8388608f;
    private const float S32Scale = 1f / 2147483648f;

    /// <summary>Converts interleaved samples of <paramref name="format"/> to float times <paramref name="gain"/>. <paramref name="destination"/> gets one float per sample.</summary>
    public static void ToFloat(AlsaSampleFormat format, ReadOnlySpan<byte> source, Span<float> destination, float gain = 1f)
    {
        switch (format)
        {
            case AlsaSampleFormat.S16LE:
                S16ToFloat(source, destination, gain);
                break;
            case AlsaSampleFormat.S24Packed3LE:
                S24ToFloat(source, destination, gain);
                break;
            case AlsaSampleFormat.S32LE:
                S32ToFloat(source, destination, gain);
                break;
            case AlsaSampleFormat.FloatLE:
                System.Numerics.Tensors.TensorPrimitives.Multiply(MemoryMarshal.Cast<byte, float>(source), gain, destination);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "unsupported sample format");
        }
    }

    /// <summary>S16_LE bytes to float: <c>sample / 32768 * gain</c>.</summary>
    public static void S16ToFloat(ReadOnlySpan<byte> source, Span<float> destination, float gain = 1f)
    {
        var src = MemoryMarshal.Cast<byte, short>(source);
        CheckLength(src.Length, destination.Length);
        var scale = S16Scale * gain;
        ref var s = ref MemoryMarshal.GetReference(src);
        ref var d = ref MemoryMarshal.GetReference(destination);
        var i = 0;
        if (Vector256.IsHardwareAccelerated && SimdWidth.Use256)
        {
            var vs = Vector256.Create(scale);
            for (; i <= src.Length - 16; i += 16)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref s, (nuint)i));
                (Vector256.ConvertToSingle(lo) * vs).StoreUnsafe(ref d, (nuint)i);
                (Vector256.ConvertToSingle(hi) * vs).StoreUnsafe(ref d, (nuint)(i + 8));
            }
        }
        else if (Vector128.IsHardwareAccelerated && SimdWidth.Use128)
        {
            var vs = Vector128.Create(scale);
            for (; i <= src.Length - 8; i += 8)
            {
                var (lo, hi) = Vector128.Widen(Vector128.LoadUnsafe(ref s, (nuint)i));
                (Vector128.ConvertToSingle(lo) * vs).StoreUnsafe(ref d, (nuint)i);
                (Vector128.ConvertToSingle(hi) * vs).StoreUnsafe(ref d, (nuint)(i + 4));
            }
        }

        for (; i < src.Length; i++)
        {
            Unsafe.Add(ref d, i) = Unsafe.Add(ref s, i) * scale;
        }
    }

    /// <summary>Scalar reference of <see cref="S16ToFloat"/>.</summary>
    public static void S16ToFloatScalar(ReadOnlySpan<byte> source, Span<float> destination, float gain = 1f)
    {
        var src = MemoryMarshal.Cast<byte, short>(source);
        CheckLength(src.Length, destination.Length);
        var scale = S16Scale * gain;
        for (var i = 0; i < src.Length; i++)
        {
            destination[i] = src[i] * scale;
        }
    }

    /// <summary>S32_LE bytes to float: <c>sample / 2^31 * gain</c>.</summary>
    public static void S32ToFloat(ReadOnlySpan<byte> source, Span<float> destination, float gain = 1f)
    {
        var src = MemoryMarshal.Cast<byte, int>(source);
        CheckLength(src.Length, destination.Length);
        var scale = S32Scale * gain;
        ref var s = ref MemoryMarshal.GetReference(src);
        ref var d = ref MemoryMarshal.GetReference(destination);
        var i = 0;
        if (Vector256.IsHardwareAccelerated && SimdWidth.Use256)
        {
            var vs = Vector256.Create(scale);
            for (; i <= src.Length - 8; i += 8)
            {
                (Vector256.ConvertToSingle(Vector256.LoadUnsafe(ref s, (nuint)i)) * vs).StoreUnsafe(ref d, (nuint)i);
            }
        }
        else if (Vector128.IsHardwareAccelerated && SimdWidth.Use128)
        {
            var vs = Vector128.Create(scale);
            for (; i <= src.Length - 4; i += 4)
            {
                (Vector128.ConvertToSingle(Vector128.LoadUnsafe(ref s, (nuint)i)) * vs).StoreUnsafe(ref d, (nuint)i);
            }
        }

        for (; i < src.Length; i++)
        {
            Unsafe.Add(ref d, i) = Unsafe.Add(ref s, i) * scale;
        }
    }

    /// <summary>Scalar reference of <see cref="S32ToFloat"/>.</summary>
    public static void S32ToFloatScalar(ReadOnlySpan<byte> source, Span<float> destination, float gain = 1f)
    {
        var src = MemoryMarshal.Cast<byte, int>(source);
        CheckLength(src.Length, destination.Length);
        var scale = S32Scale * gain;
        for (var i = 0; i < src.Length; i++)
        {
            destination[i] = src[i] * scale;
        }
    }

    /// <summary>
    /// S24_3LE (3 bytes per sample) to float: <c>sample / 2^23 * gain</c>. The SIMD path moves each
    /// sample's bytes to the top of a 32-bit lane with one byte shuffle and sign-extends with an
    /// arithmetic shift.
    /// </summary>
    public static void S24ToFloat(ReadOnlySpan<byte> source, Span<float> destination, float gain = 1f)
    {
        var count = source.Length / 3;
        CheckLength(count, destination.Length);
        var scale = S24Scale * gain;
        ref var s = ref MemoryMarshal.GetReference(source);
        ref var d = ref MemoryMarshal.GetReference(destination);
        var i = 0;
        if (Vector128.IsHardwareAccelerated && SimdWidth.Use128)
        {
            var vs = Vector128.Create(scale);
            var shuffle = Vector128.Create((byte)0xFF, 0, 1, 2, 0xFF, 3, 4, 5, 0xFF, 6, 7, 8, 0xFF, 9, 10, 11);

            // Each step reads 16 bytes and uses 12 (4 samples): stop while 16 bytes remain readable.
            for (; (i * 3) + 16 <= source.Length; i += 4)
            {
                var bytes = Vector128.LoadUnsafe(ref s, (nuint)(i * 3));
                var ints = Vector128.ShiftRightArithmetic(Vector128.Shuffle(bytes, shuffle).AsInt32(), 8);
                (Vector128.ConvertToSingle(ints) * vs).StoreUnsafe(ref d, (nuint)i);
            }
        }

        for (; i < count; i++)
        {
            var b = i * 3;
            var v = Unsafe.Add(ref s, b) | (Unsafe.Add(ref s, b + 1) << 8) | ((sbyte)Unsafe.Add(ref s, b + 2) << 16);
            Unsafe.Add(ref d, i) = v * scale;
        }
    }

    /// <summary>Scalar reference of <see cref="S24ToFloat"/>.</summary>
    public static void S24ToFloatScalar(ReadOnlySpan<byte> source, Span<float> destination, float gain = 1f)
    {
        var count = source.Length / 3;
        CheckLength(count, destination.Length);
        var scale = S24Scale * gain;
        for (var i = 0; i < count; i++)
        {
            var v = source[i * 3] | (source[(i * 3) + 1] << 8) | ((sbyte)source[(i * 3) + 2] << 16);
            destination[i] = v * scale;
        }
    }

    /// <summary>Float to S16_LE bytes, clamped to [-1, 1] and rounded (<c>round(x * 32767)</c>).</summary>
    public static void FloatToS16(ReadOnlySpan<float> source, Span<byte> destination)
    {
        var dst = MemoryMarshal.Cast<byte, short>(destination);
        CheckLength(source.Length, dst.Length);
        ref var s = ref MemoryMarshal.GetReference(source);
        ref var d = ref MemoryMarshal.GetReference(dst);
        var i = 0;
        if (Vector256.IsHardwareAccelerated && SimdWidth.Use256)
        {
            var max = Vector256.Create(1f);
            var min = Vector256.Create(-1f);
            var k = Vector256.Create(32767f);
            for (; i <= source.Length - 16; i += 16)
            {
                var a = Vector256.Round(Vector256.Min(Vector256.Max(Vector256.LoadUnsafe(ref s, (nuint)i), min), max) * k);
                var b = Vector256.Round(Vector256.Min(Vector256.Max(Vector256.LoadUnsafe(ref s, (nuint)(i + 8)), min), max) * k);
                Vector256.Narrow(Vector256.ConvertToInt32(a), Vector256.ConvertToInt32(b)).StoreUnsafe(ref d, (nuint)i);
            }
        }
        else if (Vector128.IsHardwareAccelerated && SimdWidth.Use128)
        {
            var max = Vector128.Create(1f);
            var min = Vector128.Create(-1f);
            var k = Vector128.Create(32767f);
            for (; i <= source.Length - 8; i += 8)
            {
                var a = Vector128.Round(Vector128.Min(Vector128.Max(Vector128.LoadUnsafe(ref s, (nuint)i), min), max) * k);
                var b = Vector128.Round(Vector128.Min(Vector128.Max(Vector128.LoadUnsafe(ref s, (nuint)(i + 4)), min), max) * k);
                Vector128.Narrow(Vector128.ConvertToInt32(a), Vector128.ConvertToInt32(b)).StoreUnsafe(ref d, (nuint)i);
            }
        }

        for (; i < source.Length; i++)
        {
            Unsafe.Add(ref d, i) = (short)MathF.Round(Math.Clamp(Unsafe.Add(ref s, i), -1f, 1f) * 32767f);
        }
    }

    /// <summary>Scalar reference of <see cref="FloatToS16"/>.</summary>
    public static void FloatToS16Scalar(ReadOnlySpan<float> source, Span<byte> destination)
    {
        var dst = MemoryMarshal.Cast<byte, short>(destination);
        CheckLength(source.Length, dst.Length);
        for (var i = 0; i < source.Length; i++)
        {
            dst[i] = (short)MathF.Round(Math.Clamp(source[i], -1f, 1f) * 32767f);
        }
    }

    private static void CheckLength(int samples, int destination)
    {
        if (destination < samples)
        {
            throw new ArgumentException($"destination holds {destination} samples but the source has {samples}", nameof(destination));
        }
    }
}
