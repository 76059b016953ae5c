using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Device.Button;

/// <summary>
/// Maps button gestures to pipeline commands: push-to-talk in hold, tap or hold-or-tap mode, and the
/// configurable long-press / double-press actions (mute by default for long press). It follows the pipeline
/// through <see cref="OnStateChanged"/> (the same state events the LEDs get) and never polls it.
/// </summary>
public sealed class PushToTalkController
{
    private readonly PushToTalkMode _mode;
    private readonly TimeSpan _holdThreshold;
    private readonly ButtonAction _longPress;
    private readonly ButtonAction _doublePress;
    private readonly object _gate = new();
    private PipelineState _state = PipelineState.Idle;
    private bool _listeningFromPress;
    private bool _swallowRelease;

    /// <summary>Creates the controller.</summary>
    public PushToTalkController(PushToTalkMode mode, TimeSpan holdThreshold, ButtonAction longPress, ButtonAction doublePress)
    {
        _mode = mode;
        _holdThreshold = holdThreshold;
        _longPress = longPress;
        _doublePress = doublePress;
    }

    /// <summary>Raised for each command, on the thread that delivered the gesture.</summary>
    public event Action<ButtonCommand>? Command;

    /// <summary>Follows the pipeline state.</summary>
    public void OnStateChanged(PipelineState state)
    {
        lock (_gate)
        {
            _state = state;
        }
    }

    /// <summary>Feeds one gesture from <see cref="ButtonDetector.Gesture"/>.</summary>
    public void OnGesture(ButtonEvent e)
    {
        var commands = new List<ButtonCommand>(2);
        lock (_gate)
        {
            Decide(e, commands);
        }

        foreach (var c in commands)
        {
            Command?.Invoke(c);
        }
    }

    private void Decide(ButtonEvent e, List<ButtonCommand> commands)
    {
        var muted = _state == PipelineState.Muted;
        switch (e.Gesture)
        {
            case ButtonGesture.Pressed:
                _swallowRelease = false;
                if (muted || _mode == PushToTalkMode.Tap)
                {
                    return;
                }

                if (_mode == PushToTalkMode.HoldOrTap && _state == PipelineState.Listening && !_listeningFromPress)
                {
                    commands.Add(ButtonCommand.StopListening);
                    _swallowRelease = true;
                    return;
                }

                commands.Add(ButtonCommand.StartListening);
                _listeningFromPress = true;
                return;

            case ButtonGesture.Released:
                if (_swallowRelease || !_listeningFromPress)
                {
                    _swallowRelease = false;
                    return;
                }

                if (_mode == PushToTalkMode.Hold || e.HeldFor >= _holdThreshold)
                {
                    commands.Add(ButtonCommand.StopListening);
                }

                _listeningFromPress = false;
                return;

            case ButtonGesture.Tap:
                if (_mode == PushToTalkMode.Tap && !muted)
                {
                    commands.Add(ButtonCommand.ToggleListening);
                }

                return;

            case ButtonGesture.LongPress:
                Act(_longPress, commands);
                return;

            case ButtonGesture.DoublePress:
                Act(_doublePress, commands);
                return;

            default:
                return;
        }
    }

    private void Act(ButtonAction action, List<ButtonCommand> commands)
    {
        if (action == ButtonAction.None)
        {
            return;
        }

        if (_listeningFromPress)
        {
            // The press that led here started a turn; drop it rather than transcribe a button hold.
            commands.Add(ButtonCommand.Cancel);
            _listeningFromPress = false;
            _swallowRelease = true;
        }

        if (action == ButtonAction.ToggleMute)
        {
            commands.Add(ButtonCommand.ToggleMute);
        }
        else if (commands.Count == 0)
        {
            commands.Add(ButtonCommand.Cancel);
        }
    }
}
