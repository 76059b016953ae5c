namespace VoiceAppliance.Audio.Alsa;

/// <summary>Hardware playback volume through an ALSA simple mixer control (<c>snd_mixer_selem_*</c>).</summary>
public sealed class AlsaMixer : IDisposable
{
    private readonly SafeAlsaMixerHandle _mixer;
    private readonly IntPtr _element;
    private readonly long _min;
    private readonly long _max;

    private AlsaMixer(SafeAlsaMixerHandle mixer, IntPtr element, string card, string control, long min, long max)
    {
        _mixer = mixer;
        _element = element;
        Card = card;
        Control = control;
        _min = min;
        _max = max;
    }

    /// <summary>The card the mixer is attached to (for example <c>hw:0</c>).</summary>
    public string Card { get; }

    /// <summary>The control in use (for example <c>PCM</c>).</summary>
    public string Control { get; }

    /// <summary>
    /// Opens the mixer of <paramref name="card"/> and takes the first of <paramref name="controls"/> that has a
    /// playback volume. Returns null when the card has no mixer or none of the controls (software volume then).
    /// </summary>
    public static AlsaMixer? TryOpen(string card, IEnumerable<string> controls)
    {
        ArgumentException.ThrowIfNullOrEmpty(card);
        ArgumentNullException.ThrowIfNull(controls);
        if (Interop.Alsa.snd_mixer_open(out var raw, 0) < 0)
        {
            return null;
        }

        var mixer = new SafeAlsaMixerHandle(raw);
        if (Interop.Alsa.snd_mixer_attach(mixer, card) < 0
            || Interop.Alsa.snd_mixer_selem_register(mixer, IntPtr.Zero, IntPtr.Zero) < 0
            || Interop.Alsa.snd_mixer_load(mixer) < 0
            || Interop.Alsa.snd_mixer_selem_id_malloc(out var id) < 0)
        {
            mixer.Dispose();
            return null;
        }

        try
        {
            foreach (var control in controls)
            {
                Interop.Alsa.snd_mixer_selem_id_set_index(id, 0);
                Interop.Alsa.snd_mixer_selem_id_set_name(id, control);
                var element = Interop.Alsa.snd_mixer_find_selem(mixer, id);
                if (element != IntPtr.Zero
                    && Interop.Alsa.snd_mixer_selem_has_playback_volume(element) != 0
                    && Interop.Alsa.snd_mixer_selem_get_playback_volume_range(element, out var min, out var max) >= 0
                    && max > min)
                {
                    return new AlsaMixer(mixer, element, card, control, min, max);
                }
            }
        }
        finally
        {
            Interop.Alsa.snd_mixer_selem_id_free(id);
        }

        mixer.Dispose();
        return null;
    }

    /// <summary>The control's volume mapped to 0-100 (linear in the control's raw range).</summary>
    public int Volume
    {
        get
        {
            AlsaException.Check(Interop.Alsa.snd_mixer_selem_get_playback_volume(_element, 0, out var v), Card, $"snd_mixer_selem_get_playback_volume ({Control})");
            return (int)Math.Round(100.0 * (v - _min) / (_max - _min));
        }
    }

    /// <summary>Sets the volume (0-100) on every channel of the control. Returns false if the card refused.</summary>
    public bool TrySetVolume(int volume)
    {
        var v = _min + (long)Math.Round((_max - _min) * Math.Clamp(volume, 0, 100) / 100.0);
        return Interop.Alsa.snd_mixer_selem_set_playback_volume_all(_element, (nint)v) >= 0;
    }

    /// <inheritdoc />
    public void Dispose() => _mixer.Dispose();
}
