using VoiceAppliance.Device.Button;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Tests.Device;

public sealed class PushToTalkControllerTests
{
    private static readonly TimeSpan s_hold = TimeSpan.FromMilliseconds(400);
    private readonly List<ButtonCommand> _commands = [];
    private readonly DateTimeOffset _t0 = DateTimeOffset.UnixEpoch;

    private PushToTalkController Create(PushToTalkMode mode, ButtonAction longPress = ButtonAction.ToggleMute, ButtonAction doublePress = ButtonAction.None)
    {
        var c = new PushToTalkController(mode, s_hold, longPress, doublePress);
        c.Command += _commands.Add;
        return c;
    }

    private void Feed(PushToTalkController c, ButtonGesture g, int heldMs = 0) => c.OnGesture(new ButtonEvent(g, _t0, TimeSpan.FromMilliseconds(heldMs)));

    [Fact]
    public void Hold_mode_listens_while_held()
    {
        var c = Create(PushToTalkMode.Hold);
        Feed(c, ButtonGesture.Pressed);
        c.OnStateChanged(PipelineState.Listening);
        Feed(c, ButtonGesture.Released, 1500);
        Assert.Equal([ButtonCommand.StartListening, ButtonCommand.StopListening], _commands);
    }

    [Fact]
    public void Hold_mode_short_press_still_ends_at_release()
    {
        var c = Create(PushToTalkMode.Hold);
        Feed(c, ButtonGesture.Pressed);
        Feed(c, ButtonGesture.Released, 100);
        Feed(c, ButtonGesture.Tap, 100);
        Assert.Equal([ButtonCommand.StartListening, ButtonCommand.StopListening], _commands);
    }

    [Fact]
    public void Tap_mode_toggles_on_taps_only()
    {
        var c = Create(PushToTalkMode.Tap);
        Feed(c, ButtonGesture.Pressed);
        Feed(c, ButtonGesture.Released, 100);
        Assert.Empty(_commands);
        Feed(c, ButtonGesture.Tap, 100);
        Assert.Equal([ButtonCommand.ToggleListening], _commands);
    }

    [Fact]
    public void Hold_or_tap_hold_ends_at_release()
    {
        var c = Create(PushToTalkMode.HoldOrTap);
        Feed(c, ButtonGesture.Pressed);
        c.OnStateChanged(PipelineState.Listening);
        Feed(c, ButtonGesture.Released, 900);
        Assert.Equal([ButtonCommand.StartListening, ButtonCommand.StopListening], _commands);
    }

    [Fact]
    public void Hold_or_tap_tap_keeps_listening_and_next_press_ends_the_turn()
    {
        var c = Create(PushToTalkMode.HoldOrTap);
        Feed(c, ButtonGesture.Pressed);
        c.OnStateChanged(PipelineState.Listening);
        Feed(c, ButtonGesture.Released, 120);
        Feed(c, ButtonGesture.Tap, 120);
        Assert.Equal([ButtonCommand.StartListening], _commands);

        Feed(c, ButtonGesture.Pressed);
        Feed(c, ButtonGesture.Released, 120);
        Assert.Equal([ButtonCommand.StartListening, ButtonCommand.StopListening], _commands);
    }

    [Fact]
    public void Long_press_cancels_the_turn_it_started_and_toggles_mute()
    {
        var c = Create(PushToTalkMode.HoldOrTap);
        Feed(c, ButtonGesture.Pressed);
        c.OnStateChanged(PipelineState.Listening);
        Feed(c, ButtonGesture.LongPress, 2000);
        Feed(c, ButtonGesture.Released, 2500);
        Assert.Equal([ButtonCommand.StartListening, ButtonCommand.Cancel, ButtonCommand.ToggleMute], _commands);
    }

    [Fact]
    public void While_muted_a_press_does_not_listen_but_long_press_unmutes()
    {
        var c = Create(PushToTalkMode.Hold);
        c.OnStateChanged(PipelineState.Muted);
        Feed(c, ButtonGesture.Pressed);
        Feed(c, ButtonGesture.LongPress, 2000);
        Feed(c, ButtonGesture.Released, 2200);
        Assert.Equal([ButtonCommand.ToggleMute], _commands);
    }

    [Fact]
    public void Long_press_action_none_leaves_a_hold_alone()
    {
        var c = Create(PushToTalkMode.Hold, longPress: ButtonAction.None);
        Feed(c, ButtonGesture.Pressed);
        Feed(c, ButtonGesture.LongPress, 2000);
        Feed(c, ButtonGesture.Released, 5000);
        Assert.Equal([ButtonCommand.StartListening, ButtonCommand.StopListening], _commands);
    }

    [Fact]
    public void Double_press_action_runs_in_tap_mode()
    {
        var c = Create(PushToTalkMode.Tap, doublePress: ButtonAction.Cancel);
        Feed(c, ButtonGesture.Pressed);
        Feed(c, ButtonGesture.Released, 100);
        Feed(c, ButtonGesture.Pressed);
        Feed(c, ButtonGesture.DoublePress);
        Feed(c, ButtonGesture.Released, 100);
        Assert.Equal([ButtonCommand.Cancel], _commands);
    }
}
