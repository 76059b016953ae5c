namespace VoiceAppliance.Audio.Alsa;

/// <summary>Capped exponential backoff for reopening a device.</summary>
internal struct ReopenBackoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _maximum;
    private TimeSpan _next;

    public ReopenBackoff(TimeSpan initial, TimeSpan maximum)
    {
        _initial = initial <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : initial;
        _maximum = maximum < _initial ? _initial : maximum;
        _next = _initial;
        Attempt = 0;
    }

    public int Attempt { get; private set; }

    /// <summary>The delay before the next attempt; doubles up to the cap.</summary>
    public TimeSpan Next()
    {
        Attempt++;
        var delay = _next;
        var doubled = _next * 2;
        _next = doubled > _maximum ? _maximum : doubled;
        return delay;
    }

    public void Reset()
    {
        _next = _initial;
        Attempt = 0;
    }
}
