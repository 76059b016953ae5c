using VoiceAppliance.Device.Button;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests.Device;

public sealed class ButtonDetectorTests
{
    private static readonly ButtonTimings s_timings = new(
        Debounce: TimeSpan.FromMilliseconds(30),
        HoldThreshold: TimeSpan.FromMilliseconds(400),
        LongPress: TimeSpan.FromSeconds(2),
        DoublePressWindow: TimeSpan.FromMilliseconds(300));

    private readonly ManualTimeProvider _time = new();
    private readonly List<ButtonEvent> _events = [];

    private ButtonDetector Create(ButtonTimings? timings = null)
    {
        var detector = new ButtonDetector(timings ?? s_timings, _time);
        detector.Gesture += _events.Add;
        return detector;
    }

    private static TimeSpan Ms(int n) => TimeSpan.FromMilliseconds(n);

    private ButtonGesture[] Gestures() => _events.Select(e => e.Gesture).ToArray();

    [Fact]
    public void Bounces_shorter_than_the_debounce_time_are_ignored()
    {
        using var b = Create();
        b.OnRawLevel(true);
        _time.Advance(Ms(5));
        b.OnRawLevel(false);
        _time.Advance(Ms(5));
        b.OnRawLevel(true);
        _time.Advance(Ms(5));
        b.OnRawLevel(false);
        _time.Advance(Ms(100));
        Assert.Empty(_events);
        Assert.False(b.IsPressed);
    }

    [Fact]
    public void Press_is_reported_after_the_level_is_stable_for_the_debounce_time()
    {
        using var b = Create();
        b.OnRawLevel(true);
        _time.Advance(Ms(29));
        Assert.Empty(_events);
        _time.Advance(Ms(1));
        Assert.Equal([ButtonGesture.Pressed], Gestures());
        Assert.True(b.IsPressed);
    }

    [Fact]
    public void Bouncing_press_counts_once()
    {
        using var b = Create();
        b.OnRawLevel(true);
        _time.Advance(Ms(10));
        b.OnRawLevel(false);
        _time.Advance(Ms(2));
        b.OnRawLevel(true);
        _time.Advance(Ms(50));
        Assert.Equal([ButtonGesture.Pressed], Gestures());
    }

    [Fact]
    public void Short_press_is_a_tap_reported_when_the_double_press_window_closes()
    {
        using var b = Create();
        b.OnRawLevel(true);
        _time.Advance(Ms(130));
        b.OnRawLevel(false);
        _time.Advance(Ms(30));
        Assert.Equal([ButtonGesture.Pressed, ButtonGesture.Released], Gestures());
        Assert.Equal(Ms(130), _events[1].HeldFor); // 30..160: both edges are debounced alike
        _time.Advance(Ms(299));
        Assert.Equal(2, _events.Count);
        _time.Advance(Ms(1));
        Assert.Equal([ButtonGesture.Pressed, ButtonGesture.Released, ButtonGesture.Tap], Gestures());
        Assert.Equal(Ms(130), _events[2].HeldFor);
    }

    [Fact]
    public void Without_double_press_detection_a_tap_is_reported_at_release()
    {
        using var b = Create(s_timings with { DoublePressWindow = TimeSpan.Zero });
        b.OnRawLevel(true);
        _time.Advance(Ms(100));
        b.OnRawLevel(false);
        _time.Advance(Ms(30));
        Assert.Equal([ButtonGesture.Pressed, ButtonGesture.Released, ButtonGesture.Tap], Gestures());
    }

    [Fact]
    public void Second_press_within_the_window_is_a_double_press_and_no_tap()
    {
        using var b = Create();
        b.OnRawLevel(true);
        _time.Advance(Ms(100));
        b.OnRawLevel(false);
        _time.Advance(Ms(150));
        b.OnRawLevel(true);
        _time.Advance(Ms(100));
        b.OnRawLevel(false);
        _time.Advance(Ms(1000));
        Assert.Equal(
            [ButtonGesture.Pressed, ButtonGesture.Released, ButtonGesture.Pressed, ButtonGesture.DoublePress, ButtonGesture.Released],
            Gestures());
    }

    [Fact]
    public void Second_press_after_the_window_is_two_taps()
    {
        using var b = Create();
        for (var i = 0; i < 2; i++)
        {
            b.OnRawLevel(true);
            _time.Advance(Ms(100));
            b.OnRawLevel(false);
            _time.Advance(Ms(400));
        }

        Assert.Equal(2, _events.Count(e => e.Gesture == ButtonGesture.Tap));
        Assert.DoesNotContain(ButtonGesture.DoublePress, Gestures());
    }

    [Fact]
    public void Hold_longer_than_the_threshold_is_no_tap()
    {
        using var b = Create();
        b.OnRawLevel(true);
        _time.Advance(Ms(1000));
        b.OnRawLevel(false);
        _time.Advance(Ms(1000));
        Assert.Equal([ButtonGesture.Pressed, ButtonGesture.Released], Gestures());
        Assert.Equal(Ms(1000), _events[1].HeldFor);
    }

    [Fact]
    public void Long_press_fires_while_held_at_the_long_press_time()
    {
        using var b = Create();
        b.OnRawLevel(true);
        _time.Advance(Ms(30));
        _time.Advance(TimeSpan.FromSeconds(2) - Ms(1));
        Assert.DoesNotContain(ButtonGesture.LongPress, Gestures());
        _time.Advance(Ms(1));
        Assert.Equal([ButtonGesture.Pressed, ButtonGesture.LongPress], Gestures());
        Assert.Equal(TimeSpan.FromSeconds(2), _events[1].HeldFor);
        b.OnRawLevel(false);
        _time.Advance(Ms(500));
        Assert.Equal([ButtonGesture.Pressed, ButtonGesture.LongPress, ButtonGesture.Released], Gestures());
    }

    [Fact]
    public void Reset_sets_the_level_without_events()
    {
        using var b = Create();
        b.Reset(pressed: true);
        Assert.True(b.IsPressed);
        b.OnRawLevel(true);
        _time.Advance(Ms(100));
        Assert.Empty(_events);
        b.OnRawLevel(false);
        _time.Advance(Ms(30));
        Assert.Equal([ButtonGesture.Released], Gestures());
    }

    [Fact]
    public void Zero_debounce_commits_immediately()
    {
        using var b = Create(s_timings with { Debounce = TimeSpan.Zero });
        b.OnRawLevel(true);
        Assert.Equal([ButtonGesture.Pressed], Gestures());
    }
}
