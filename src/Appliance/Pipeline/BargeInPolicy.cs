using VoiceAppliance.Audio.Alsa;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// Barge-in: what happens when the user interrupts a reply, by a trigger (button, command) or, with echo-cancelled
/// input, by speaking over it. <see cref="BargeInMode.HardCut"/> stops the speaker at once;
/// <see cref="BargeInMode.SoftFade"/> pauses the reply (a fade) on the first speech, resumes it when the speech was
/// only a blip, and fades it out when the speech is confirmed. A confirmed barge-in ends the turn (interrupted) and
/// starts a listening turn seeded with what was said over the reply. Called under the controller's lock.
/// </summary>
internal sealed class BargeInPolicy
{
    private readonly SessionController _c;
    private readonly BargeInOptions _options;
    private readonly float _speechThreshold;
    private readonly float _silenceThreshold;
    private readonly long _confirmSamples;
    private readonly long _resumeWindowSamples;
    private long _run;
    private long _sincePause;
    private bool _paused;

    public BargeInPolicy(SessionController controller)
    {
        _c = controller;
        _options = controller.Options.BargeIn;
        _speechThreshold = controller.Options.Endpointing.SpeechThreshold;
        _silenceThreshold = controller.Options.Endpointing.SilenceThreshold;
        _confirmSamples = Samples(_options.ConfirmSpeech);
        _resumeWindowSamples = Samples(_options.ResumeWindow);
    }

    /// <summary>The speech run that confirms a barge-in, in samples (the pre-roll must hold it).</summary>
    public long ConfirmSamples => _confirmSamples;

    /// <summary>True when the microphone is heard while the device speaks (echo-cancelled input and barge-in on).</summary>
    public bool ListensWhileSpeaking => _options.EchoCancelled && _options.Mode != BargeInMode.Disabled;

    /// <summary>A new turn: forget the speech run and the pause.</summary>
    public void ResetLocked()
    {
        _run = 0;
        _paused = false;
    }

    /// <summary>One window heard while speaking, with its speech <paramref name="probability"/>.</summary>
    public void OnSpeakingFrameLocked(PipelineTurn turn, float probability, int windowSamples)
    {
        if (probability >= _speechThreshold)
        {
            _run += windowSamples;
        }
        else if (probability < _silenceThreshold)
        {
            _run = 0;
        }

        if (_paused)
        {
            _sincePause += windowSamples;
        }

        if (_run >= _confirmSamples)
        {
            BargeInLocked(turn, hold: false, fromSpeech: true);
            return;
        }

        if (_options.Mode != BargeInMode.SoftFade || turn.Streamer is not { } streamer)
        {
            return;
        }

        if (!_paused && _run > 0)
        {
            _paused = true;
            _sincePause = 0;
            _ = PauseQuietlyAsync(streamer, _options.FadeDuration, turn.ReplyCts.Token);
        }
        else if (_paused && _run == 0 && _sincePause >= _resumeWindowSamples)
        {
            _paused = false;
            streamer.Resume();
            PipelineLog.BargeInResumed(_c.Logger, turn.Session.Id);
        }
    }

    /// <summary>The user interrupts <paramref name="turn"/>: its reply stops (cut or fade) and a listening turn starts.</summary>
    public void BargeInLocked(PipelineTurn turn, bool hold, bool fromSpeech)
    {
        var session = turn.Session;
        var heard = turn.Streamer?.Heard ?? turn.Realtime?.Heard ?? TimeSpan.Zero;
        var speechSoFar = _run;
        var wasSpeaking = _c.Machine.State == PipelineState.Speaking;
        SessionController.CancelReply(turn);
        if (!wasSpeaking)
        {
            // Still thinking: nothing plays yet.
        }
        else if (_options.Mode == BargeInMode.SoftFade && !_paused && _options.FadeDuration > TimeSpan.Zero)
        {
            _ = FadeAndStopAsync(_c.Engines.Playback, _options.FadeDuration);
        }
        else
        {
            _c.Engines.Playback.StopImmediately();
        }

        PipelineLog.BargeIn(_c.Logger, session.Id, heard.TotalSeconds);
        TurnMetricsRecorder.Interrupted(turn, heard);
        _c.PublishTurnEndedLocked(turn, interrupted: true);
        _c.StartListeningTurnLocked(session, hold, bargeIn: true, followUp: false);
        if (fromSpeech && _c.Turn is not null)
        {
            // The user is already talking: seed the utterance with what was said over the reply.
            _c.FrontEnd.BeginUtteranceInSpeechLocked(speechSoFar);
        }
    }

    private async Task PauseQuietlyAsync(ReplyStreamer streamer, TimeSpan fade, CancellationToken cancellationToken)
    {
        try
        {
            await streamer.PauseAsync(fade, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // the reply was cancelled meanwhile
        }
        catch (Exception ex)
        {
            PipelineLog.StageFailed(_c.Logger, ex, PipelineErrorSource.Playback);
        }
    }

    private async Task FadeAndStopAsync(IAudioPlayback playback, TimeSpan fade)
    {
        try
        {
            await playback.FadeOutAsync(fade, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            PipelineLog.StageFailed(_c.Logger, ex, PipelineErrorSource.Playback);
            playback.StopImmediately();
        }
    }

    private long Samples(TimeSpan t) => (long)Math.Round(t.TotalSeconds * _c.SampleRate);
}
