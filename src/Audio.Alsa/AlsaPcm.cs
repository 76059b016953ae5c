using System.Runtime.InteropServices;

namespace VoiceAppliance.Audio.Alsa;

/// <summary>
/// One open ALSA PCM: the proxy over <c>snd_pcm_t</c>. Every negative return becomes an
/// <see cref="AlsaException"/> with alsa-lib's text and the device name, except on the streaming calls
/// (<see cref="Read"/>, <see cref="Write"/>), which return the negative errno so the caller's loop can
/// recover (xrun, suspend) or reopen (device gone) without exceptions per period.
/// </summary>
public sealed class AlsaPcm : IDisposable
{
    private readonly SafeAlsaPcmHandle _handle;

    internal SafeAlsaPcmHandle Handle => _handle;

    private AlsaPcm(SafeAlsaPcmHandle handle, string name, AlsaStreamDirection direction, AlsaPcmParameters accepted)
    {
        _handle = handle;
        Name = name;
        Direction = direction;
        Accepted = accepted;
    }

    /// <summary>The PCM name as opened (for example <c>plughw:CARD=Array,DEV=0</c>).</summary>
    public string Name { get; }

    /// <summary>Capture or playback.</summary>
    public AlsaStreamDirection Direction { get; }

    /// <summary>The parameters the device accepted.</summary>
    public AlsaPcmParameters Accepted { get; }

    /// <summary>Bytes per sample of <paramref name="format"/>.</summary>
    public static int BytesPerSample(AlsaSampleFormat format) => format switch
    {
        AlsaSampleFormat.S16LE => 2,
        AlsaSampleFormat.S24Packed3LE => 3,
        AlsaSampleFormat.S32LE or AlsaSampleFormat.FloatLE => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unsupported sample format; use S16LE, S24Packed3LE (ALSA S24_3LE), S32LE or FloatLE"),
    };

    /// <summary>
    /// Opens <paramref name="name"/> as defined in the private asoundrc <paramref name="configurationFile"/> (read anew on
    /// each call, so a device reopened after loss sees the file as it is now), or in the system configuration when
    /// <paramref name="configurationFile"/> is null.
    /// </summary>
    /// <exception cref="AlsaException">The file or the device is missing, busy or refuses the settings; the message names it.</exception>
    public static AlsaPcm Open(string name, AlsaStreamDirection direction, AlsaPcmSettings settings, string? configurationFile)
    {
        if (configurationFile is null)
        {
            return Open(name, direction, settings);
        }

        using var config = File.Exists(configurationFile)
            ? AlsaConfiguration.Load(configurationFile)
            : throw new AlsaException(name, $"loading the ALSA configuration '{configurationFile}'", -2);
        return Open(name, direction, settings, config);
    }

    /// <summary>
    /// Opens <paramref name="name"/> and applies <paramref name="settings"/> (interleaved read/write access).
    /// With <paramref name="configuration"/> the name is looked up only in that private tree.
    /// </summary>
    /// <exception cref="AlsaException">The device is missing, busy or refuses the settings; the message names it.</exception>
    public static AlsaPcm Open(string name, AlsaStreamDirection direction, AlsaPcmSettings settings, AlsaConfiguration? configuration = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(settings);
        Validate(settings);
        _ = BytesPerSample(settings.Format);

        int rc;
        IntPtr raw;
        if (configuration is null)
        {
            rc = Interop.Alsa.snd_pcm_open(out raw, name, (int)direction, 0);
        }
        else
        {
            var added = false;
            configuration.Handle.DangerousAddRef(ref added);
            try
            {
                rc = Interop.Alsa.snd_pcm_open_lconf(out raw, name, (int)direction, 0, configuration.Handle.DangerousGetHandle());
            }
            finally
            {
                if (added)
                {
                    configuration.Handle.DangerousRelease();
                }
            }
        }

        AlsaException.Check(rc, name, direction == AlsaStreamDirection.Capture ? "snd_pcm_open (capture)" : "snd_pcm_open (playback)");
        var handle = new SafeAlsaPcmHandle(raw);
        try
        {
            var accepted = Configure(handle, name, direction, settings);
            return new AlsaPcm(handle, name, direction, accepted);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static void Validate(AlsaPcmSettings s)
    {
        if (s.SampleRate is < 4000 or > 384000)
        {
            throw new ArgumentOutOfRangeException(nameof(s), s.SampleRate, "sample rate must be 4000-384000 Hz, for example 16000 or 48000");
        }

        if (s.Channels is < 1 or > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(s), s.Channels, "channels must be 1-32");
        }

        if (s.PeriodFrames is < 16 or > 65536 || s.Periods is < 2 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(s), $"period {s.PeriodFrames} frames x {s.Periods}", "period must be 16-65536 frames and periods 2-64");
        }
    }

    private static AlsaPcmParameters Configure(SafeAlsaPcmHandle pcm, string name, AlsaStreamDirection direction, AlsaPcmSettings s)
    {
        AlsaException.Check(Interop.Alsa.snd_pcm_hw_params_malloc(out var hw), name, "snd_pcm_hw_params_malloc");
        uint rate;
        nuint period, buffer;
        try
        {
            AlsaException.Check(Interop.Alsa.snd_pcm_hw_params_any(pcm, hw), name, "snd_pcm_hw_params_any");
            AlsaException.Check(Interop.Alsa.snd_pcm_hw_params_set_access(pcm, hw, Interop.Alsa.AccessRwInterleaved), name, "snd_pcm_hw_params_set_access (interleaved)");
            AlsaException.Check(Interop.Alsa.snd_pcm_hw_params_set_format(pcm, hw, (int)s.Format), name, $"snd_pcm_hw_params_set_format ({s.Format})");
            AlsaException.Check(Interop.Alsa.snd_pcm_hw_params_set_channels(pcm, hw, (uint)s.Channels), name, $"snd_pcm_hw_params_set_channels ({s.Channels})");
            _ = Interop.Alsa.snd_pcm_hw_params_set_rate_resample(pcm, hw, s.AllowSoftwareResample ? 1u : 0u);
            rate = (uint)s.SampleRate;
            var dir = 0;
            AlsaException.Check(Interop.Alsa.snd_pcm_hw_params_set_rate_near(pcm, hw, ref rate, ref dir), name, $"snd_pcm_hw_params_set_rate_near ({s.SampleRate})");
            period = (nuint)s.PeriodFrames;
            dir = 0;
            AlsaException.Check(Interop.Alsa.snd_pcm_hw_params_set_period_size_near(pcm, hw, ref period, ref dir), name, "snd_pcm_hw_params_set_period_size_near");
            buffer = period * (nuint)s.Periods;
            AlsaException.Check(Interop.Alsa.snd_pcm_hw_params_set_buffer_size_near(pcm, hw, ref buffer), name, "snd_pcm_hw_params_set_buffer_size_near");
            AlsaException.Check(Interop.Alsa.snd_pcm_hw_params(pcm, hw), name, "snd_pcm_hw_params");
            AlsaException.Check(Interop.Alsa.snd_pcm_hw_params_get_period_size(hw, out period, out _), name, "snd_pcm_hw_params_get_period_size");
            AlsaException.Check(Interop.Alsa.snd_pcm_hw_params_get_buffer_size(hw, out buffer), name, "snd_pcm_hw_params_get_buffer_size");
            AlsaException.Check(Interop.Alsa.snd_pcm_hw_params_get_rate(hw, out rate, out _), name, "snd_pcm_hw_params_get_rate");
        }
        finally
        {
            Interop.Alsa.snd_pcm_hw_params_free(hw);
        }

        AlsaException.Check(Interop.Alsa.snd_pcm_sw_params_malloc(out var sw), name, "snd_pcm_sw_params_malloc");
        try
        {
            AlsaException.Check(Interop.Alsa.snd_pcm_sw_params_current(pcm, sw), name, "snd_pcm_sw_params_current");
            if (direction == AlsaStreamDirection.Playback)
            {
                // Start once a period is queued, so short prompts play without waiting for a full buffer.
                AlsaException.Check(Interop.Alsa.snd_pcm_sw_params_set_start_threshold(pcm, sw, period), name, "snd_pcm_sw_params_set_start_threshold");
            }

            AlsaException.Check(Interop.Alsa.snd_pcm_sw_params(pcm, sw), name, "snd_pcm_sw_params");
        }
        finally
        {
            Interop.Alsa.snd_pcm_sw_params_free(sw);
        }

        return new AlsaPcmParameters(s.Format, (int)rate, s.Channels, (int)period, (int)buffer);
    }

    /// <summary>
    /// Reads up to <paramref name="frames"/> interleaved frames into <paramref name="buffer"/> (blocking).
    /// Returns the frames read, or a negative errno (-EPIPE overrun, -ESTRPIPE suspended, -ENODEV gone, ...).
    /// </summary>
    public unsafe int Read(Span<byte> buffer, int frames)
    {
        if ((long)frames * Accepted.FrameBytes > buffer.Length)
        {
            throw new ArgumentException($"buffer of {buffer.Length} bytes is too small for {frames} frames of {Accepted.FrameBytes} bytes", nameof(buffer));
        }

        fixed (byte* p = buffer)
        {
            return (int)Interop.Alsa.snd_pcm_readi(_handle, p, (nuint)frames);
        }
    }

    /// <summary>
    /// Writes up to <paramref name="frames"/> interleaved frames from <paramref name="buffer"/> (blocking).
    /// Returns the frames written, or a negative errno (-EPIPE underrun, -ESTRPIPE, -ENODEV, ...).
    /// </summary>
    public unsafe int Write(ReadOnlySpan<byte> buffer, int frames)
    {
        if ((long)frames * Accepted.FrameBytes > buffer.Length)
        {
            throw new ArgumentException($"buffer of {buffer.Length} bytes is too small for {frames} frames of {Accepted.FrameBytes} bytes", nameof(buffer));
        }

        fixed (byte* p = buffer)
        {
            return (int)Interop.Alsa.snd_pcm_writei(_handle, p, (nuint)frames);
        }
    }

    /// <summary>Recovers from an xrun (-EPIPE), suspend (-ESTRPIPE) or interrupted call (-EINTR). Returns 0 or a negative errno it could not handle.</summary>
    public int Recover(int error) => Interop.Alsa.snd_pcm_recover(_handle, error, 1);

    /// <summary>Prepares the stream for use (after a drop).</summary>
    public void Prepare() => AlsaException.Check(Interop.Alsa.snd_pcm_prepare(_handle), Name, "snd_pcm_prepare");

    /// <summary>Starts the stream explicitly (capture starts on the first read otherwise).</summary>
    public void Start() => AlsaException.Check(Interop.Alsa.snd_pcm_start(_handle), Name, "snd_pcm_start");

    /// <summary>Stops at once, discarding pending frames (barge-in). Call <see cref="Prepare"/> before reusing.</summary>
    public void Drop() => AlsaException.Check(Interop.Alsa.snd_pcm_drop(_handle), Name, "snd_pcm_drop");

    /// <summary>Blocks until every queued frame has been played, then stops.</summary>
    public void Drain() => AlsaException.Check(Interop.Alsa.snd_pcm_drain(_handle), Name, "snd_pcm_drain");

    /// <summary>Frames between the application pointer and what the listener hears now (playback) or what was captured (capture); 0 when unknown.</summary>
    public int Delay()
    {
        var rc = Interop.Alsa.snd_pcm_delay(_handle, out var frames);
        return rc < 0 ? 0 : (int)Math.Max(0, frames);
    }

    /// <summary>Frames that can be read or written without blocking, or a negative errno.</summary>
    public int Available() => (int)Interop.Alsa.snd_pcm_avail(_handle);

    /// <summary>alsa-lib's <c>snd_pcm_state</c> value.</summary>
    public int State => Interop.Alsa.snd_pcm_state(_handle);

    /// <summary>Turns a negative errno from <see cref="Read"/>/<see cref="Write"/> into the exception with this device's name.</summary>
    public AlsaException Error(int error, string operation) => new(Name, operation, error);

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();
}
