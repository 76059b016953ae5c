using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VoiceAppliance.Models;
using VoiceAppliance.Workflows;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// The voice pipeline: microphone -> VAD -> endpointing -> STT -> workflow -> streamed TTS -> speaker, as sessions of
/// turns driven by one state machine (<see cref="PipelineStateMachine"/>). Run the audio loop with
/// <see cref="RunAsync"/>; send triggers (<see cref="Tap"/>, <see cref="PressToTalk"/>, <see cref="ReleaseToTalk"/>,
/// <see cref="Listen"/>, <see cref="Say"/>, <see cref="Mute"/>, <see cref="Unmute"/>, <see cref="Stop"/>) from any
/// thread; follow it through <see cref="Events"/>; watch its health through <see cref="Heartbeat"/>.
/// </summary>
/// <remarks>
/// A facade over the parts (see README.md in this folder): <see cref="AudioFrontEnd"/> (frames -> VAD -> endpoint,
/// on its own thread), <see cref="SessionController"/> (triggers, sessions, turns, states, events, the lock),
/// <see cref="TurnRunner"/> (STT -> workflow -> reply), <see cref="BargeInPolicy"/>, <see cref="TurnWatchdog"/>,
/// <see cref="TurnMetricsRecorder"/> and <see cref="ProviderSelector"/>. Without echo cancellation the microphone
/// is ignored while the device thinks and speaks, so it never transcribes itself.
/// </remarks>
public sealed class VoicePipeline : IApplianceControl, IDisposable
{
    private readonly SessionController _controller;
    private readonly AudioFrontEnd _frontEnd;
    private readonly TurnRunner _runner;
    private readonly PipelineEngines _engines;

    /// <summary>Creates the pipeline. Validates <paramref name="options"/> and the engines' sample rates.</summary>
    public VoicePipeline(PipelineEngines engines, PipelineOptions options, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(engines);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var time = timeProvider ?? TimeProvider.System;
        var sampleRate = engines.Capture.SampleRate;
        if (engines.Vad.SampleRate != sampleRate)
        {
            throw new ArgumentException($"The VAD runs at {engines.Vad.SampleRate} Hz but the microphone delivers {sampleRate} Hz; configure the capture to resample to {engines.Vad.SampleRate} Hz.", nameof(engines));
        }

        var window = engines.Vad.WindowSamples;
        if (window <= 0)
        {
            throw new ArgumentException($"The VAD reports a window of {window} samples; it must be positive.", nameof(engines));
        }

        _engines = engines;
        Events = new PipelineEventBroadcaster(time);
        _controller = new SessionController(engines, options, time, logger ?? NullLogger.Instance, Events);
        var bargeIn = new BargeInPolicy(_controller);
        _frontEnd = new AudioFrontEnd(_controller, bargeIn);
        _runner = new TurnRunner(_controller, new ProviderSelector(engines), this);
        _controller.Attach(_frontEnd, _runner, bargeIn);
    }

    /// <summary>The event stream: subscribe with <see cref="PipelineEventBroadcaster.Subscribe"/>.</summary>
    public PipelineEventBroadcaster Events { get; }

    /// <summary>The pipeline's own health (the audio loop's beat, wedged turns) and readiness (first frame).</summary>
    public PipelineHeartbeat Heartbeat => _controller.Heartbeat;

    /// <summary>The current state.</summary>
    public PipelineState State => _controller.Machine.State;

    /// <summary>The current session's id, or null when idle.</summary>
    public string? SessionId
    {
        get
        {
            lock (_controller.Gate)
            {
                return _controller.Session?.Id;
            }
        }
    }

    /// <inheritdoc />
    public int Volume
    {
        get => _engines.Playback.Volume;
        set => _engines.Playback.Volume = Math.Clamp(value, 0, 100);
    }

    /// <summary>
    /// Runs the audio loop (on its own thread) until <paramref name="cancellationToken"/> is cancelled or the
    /// microphone source ends (a file); in the latter case it returns once the session in progress has ended. A
    /// failing microphone is an event: the pipeline goes to Error, waits (capped exponential backoff) and reads
    /// again. A capture that died, or a loop that failed, faults the returned task: the daemon must restart.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await _frontEnd.RunAsync(cancellationToken).ConfigureAwait(false);

        // A file source ended: let the session in progress finish (its reply is still playing).
        var pending = _controller.MarkSourceEnded();
        while (pending is not null && !cancellationToken.IsCancellationRequested)
        {
            await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
            pending = _controller.CurrentSessionDone();
        }
    }

    /// <summary>Push-to-talk tapped: listen until the endpoint. While listening it ends the utterance; while speaking it follows the barge-in mode.</summary>
    public void Tap() => _controller.Trigger(SessionTrigger.PushToTalkTap);

    /// <summary>Push-to-talk pressed (hold mode): listen while held. While speaking it follows the barge-in mode.</summary>
    public void PressToTalk() => _controller.Trigger(SessionTrigger.PushToTalkHold);

    /// <summary>
    /// Push-to-talk released, or the button's "stop listening": the utterance ends here and what was said
    /// is transcribed (any listening turn, so hold-or-tap buttons can end a turn started by <see cref="Listen"/>).
    /// </summary>
    public void ReleaseToTalk() => _controller.ReleaseToTalk();

    /// <summary>The "listen" command (MQTT, CLI): like a tap.</summary>
    public void Listen() => _controller.Trigger(SessionTrigger.ListenCommand);

    /// <summary>
    /// The "say" command: speaks <paramref name="text"/> as its own session without listening. Returns false
    /// (and does nothing) unless the pipeline is idle.
    /// </summary>
    public bool Say(string text) => SayCore(text, null) is not null;

    /// <summary>
    /// Speaks <paramref name="text"/> (with <paramref name="options"/>: speaker, speed, volume) as its own
    /// session. Completes with false at once when the pipeline is not idle; otherwise when the session
    /// ends, with true if it was spoken to the end (false if stopped, barged into or failed).
    /// </summary>
    public async Task<bool> SayAsync(string text, SynthesisOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(text);
        var session = SayCore(text, options);
        if (session is null)
        {
            return false;
        }

        using var registration = cancellationToken.Register(() => _controller.Stop("cancelled by the caller", session));
        return await session.Done.Task.ConfigureAwait(false) == SessionEndReason.Nominal;
    }

    /// <summary>
    /// Plays a clip (an intercom message) as its own session, like <see cref="SayAsync"/>: false at once when
    /// not idle, else completes when played (true) or cut (false).
    /// </summary>
    public async Task<bool> PlayAsync(ReadOnlyMemory<float> samples, int sampleRate, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1000);
        if (samples.IsEmpty || _controller.StartSpeakingSession(SessionTrigger.Play) is not { } turn)
        {
            return false;
        }

        _runner.StartPlay(turn, samples, sampleRate);
        var session = turn.Session;
        using var registration = cancellationToken.Register(() => _controller.Stop("cancelled by the caller", session));
        return await session.Done.Task.ConfigureAwait(false) == SessionEndReason.Nominal;
    }

    /// <summary>Mutes when unmuted, unmutes when muted (a button's long press).</summary>
    public void ToggleMute() => _controller.ToggleMute();

    /// <summary>Mutes the microphone: ends any session (aborted_by_user) and ignores triggers until <see cref="Unmute"/>.</summary>
    public void Mute() => _controller.Mute();

    /// <summary>Unmutes: back to Idle.</summary>
    public void Unmute() => _controller.Unmute();

    /// <summary>Stops whatever the pipeline is doing (aborted_by_user) and returns to Idle. Speaking stops at once.</summary>
    public void Stop() => _controller.Stop("stopped");

    /// <inheritdoc />
    public void MuteAfterReply() => _controller.MuteAfterReply();

    /// <summary>
    /// The microphone device is gone (the capture reports it lost and reopening fails): the pipeline goes to Error
    /// with an <c>error</c> event and stays there until <see cref="MicrophoneBack"/>.
    /// </summary>
    public void MicrophoneGone(string device, string error) => _controller.MicrophoneGone(device, error);

    /// <summary>The microphone device is back: Error -> Idle.</summary>
    public void MicrophoneBack(string device) => _controller.MicrophoneBack(device);

    /// <summary>Stops the watchdog and completes the event stream.</summary>
    public void Dispose()
    {
        _controller.Dispose();
        Events.Complete();
    }

    /// <summary>Handles one window as the audio loop does (benchmarks and allocation tests).</summary>
    internal void ProcessWindow(float[] window) => _frontEnd.ProcessFrame(window);

    private PipelineSession? SayCore(string text, SynthesisOptions? options)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text) || _controller.StartSpeakingSession(SessionTrigger.Say) is not { } turn)
        {
            return null;
        }

        _runner.StartSay(turn, text, options);
        return turn.Session;
    }
}
