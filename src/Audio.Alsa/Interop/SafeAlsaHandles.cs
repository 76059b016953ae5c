using System.Runtime.InteropServices;

namespace VoiceAppliance.Audio.Alsa;

/// <summary>An open <c>snd_pcm_t</c>; released with <c>snd_pcm_close</c>.</summary>
internal sealed class SafeAlsaPcmHandle : SafeHandle
{
    public SafeAlsaPcmHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    internal SafeAlsaPcmHandle(IntPtr pcm)
        : base(IntPtr.Zero, ownsHandle: true) => SetHandle(pcm);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => Interop.Alsa.snd_pcm_close(handle) >= 0;
}

/// <summary>A <c>snd_config_t</c> tree; released with <c>snd_config_delete</c>.</summary>
internal sealed class SafeAlsaConfigHandle : SafeHandle
{
    public SafeAlsaConfigHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    internal SafeAlsaConfigHandle(IntPtr config)
        : base(IntPtr.Zero, ownsHandle: true) => SetHandle(config);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => Interop.Alsa.snd_config_delete(handle) >= 0;
}

/// <summary>An open <c>snd_mixer_t</c>; released with <c>snd_mixer_close</c>.</summary>
internal sealed class SafeAlsaMixerHandle : SafeHandle
{
    public SafeAlsaMixerHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    internal SafeAlsaMixerHandle(IntPtr mixer)
        : base(IntPtr.Zero, ownsHandle: true) => SetHandle(mixer);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => Interop.Alsa.snd_mixer_close(handle) >= 0;
}
