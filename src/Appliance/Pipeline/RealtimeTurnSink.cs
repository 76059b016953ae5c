using VoiceAppliance.Workflows;

namespace VoiceAppliance.Pipeline;

/// <summary>
/// The pipeline's side of one realtime turn: turns the provider's callbacks into the usual events, states, metrics and
/// watchdog stamps under the controller's lock, writes the answer audio to the speaker, and says how much of each
/// answer item was heard (from the speaker's <see cref="Audio.Alsa.IAudioPlayback.PlayedPosition"/>), frozen at a
/// barge-in or stop (<see cref="TurnMetrics.HeardBeforeBargeIn"/>) so the truncation matches what the turn reports.
/// </summary>
internal sealed class RealtimeTurnSink : IRealtimeTurn
{
    private readonly SessionController _c;
    private readonly PipelineTurn _turn;
    private readonly string _name;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, TimeSpan> _itemStarts = new(StringComparer.Ordinal);
    private TimeSpan _written;
    private TimeSpan _playedBase;
    private bool _audioStarted;
    private bool _textStarted;

    public RealtimeTurnSink(SessionController controller, PipelineTurn turn, ReadOnlyMemory<float> audio, IApplianceControl appliance, string name)
    {
        _c = controller;
        _turn = turn;
        _name = name;
        Workflow = new WorkflowTurn(turn.Session.Id, turn.Index, string.Empty, audio, controller.SampleRate, appliance) { Providers = turn.Providers };
        turn.WorkflowTurn = Workflow;
    }

    public WorkflowTurn Workflow { get; }

    public bool AudioStarted
    {
        get
        {
            lock (_gate)
            {
                return _audioStarted;
            }
        }
    }

    /// <summary>Audio writes (chunks) so far.</summary>
    public int Writes { get; private set; }

    /// <summary>Answer audio heard so far, as the speaker reports it.</summary>
    public TimeSpan Heard
    {
        get
        {
            lock (_gate)
            {
                if (!_audioStarted)
                {
                    return TimeSpan.Zero;
                }

                var heard = _c.Engines.Playback.PlayedPosition - _playedBase;
                return heard < TimeSpan.Zero ? TimeSpan.Zero : heard > _written ? _written : heard;
            }
        }
    }

    public void RequestSent()
    {
        lock (_c.Gate)
        {
            if (_c.IsCurrent(_turn) && _c.Machine.State == PipelineState.Transcribing)
            {
                _c.Machine.TransitionTo(PipelineState.Thinking);
                _c.Watchdog.ArmLocked();
            }
        }
    }

    public void SpeechStarted()
    {
        lock (_c.Gate)
        {
            if (!_c.IsCurrent(_turn))
            {
                return;
            }

            if (_c.Machine.State == PipelineState.Speaking && _c.Options.BargeIn.Mode != BargeInMode.Disabled)
            {
                // The server heard the user over the answer (the microphone is streamed while speaking only with echo
                // cancellation): a barge-in by speech; the new turn's audio continues the server's buffer.
                _c.BargeIn.BargeInLocked(_turn, hold: false, fromSpeech: true);
                return;
            }

            _c.Watchdog.ArmLocked();
        }
    }

    public bool ServerEndedTurn()
    {
        lock (_c.Gate)
        {
            if (!_c.IsCurrent(_turn) || _c.Machine.State != PipelineState.Listening)
            {
                return false;
            }

            _c.EndListeningLocked(_turn, UtteranceEnd.Server);
            if (!_c.IsCurrent(_turn) || _c.Machine.State != PipelineState.Transcribing)
            {
                return false; // no speech by the device's VAD: the session ended
            }

            _c.Machine.TransitionTo(PipelineState.Thinking); // the server is answering already
            _c.Watchdog.ArmLocked();
            return true;
        }
    }

    public void UserTranscript(string text)
    {
        lock (_c.Gate)
        {
            if (!_c.IsCurrent(_turn) || _turn.Transcript is not null)
            {
                return;
            }

            _turn.Transcript = text;
            _c.Metrics.Transcribed(_turn);
            _c.Events.Publish(new TranscriptEvent(_turn.Index, text, IsFinal: true, _name) { SessionId = _turn.Session.Id });
            _c.Watchdog.ArmLocked();
        }
    }

    public void ReplyText(string delta)
    {
        lock (_c.Gate)
        {
            if (!_c.IsCurrent(_turn))
            {
                return;
            }

            if (!_textStarted)
            {
                _textStarted = true;
                _c.Metrics.FirstReplyText(_turn);
            }

            _c.Watchdog.ArmLocked();
        }
    }

    public async ValueTask PlayAsync(ReadOnlyMemory<float> samples, int sampleRate, string itemId, CancellationToken cancellationToken)
    {
        var playback = _c.Engines.Playback;
        var first = false;
        lock (_c.Gate)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!_c.IsCurrent(_turn))
            {
                throw new OperationCanceledException(cancellationToken);
            }

            lock (_gate)
            {
                if (!_audioStarted)
                {
                    first = true;
                    _audioStarted = true;
                    _playedBase = playback.PlayedPosition; // the earlier turns' audio has been played out
                }

                _itemStarts.TryAdd(itemId, _written);
                _written += TimeSpan.FromSeconds(samples.Length / (double)sampleRate);
                Writes++;
            }

            if (first)
            {
                if (!_textStarted)
                {
                    _textStarted = true;
                    _c.Metrics.FirstReplyText(_turn);
                }

                _c.Machine.TransitionTo(PipelineState.Thinking);
                _c.Machine.TransitionTo(PipelineState.Speaking);
                _c.BargeIn.ResetLocked();
            }

            _c.Watchdog.ArmLocked();
        }

        await playback.WriteAsync(samples, sampleRate, cancellationToken).ConfigureAwait(false);
        if (first)
        {
            lock (_c.Gate)
            {
                _c.Metrics.FirstAudio(_turn);
            }
        }
    }

    public int HeardMilliseconds(string itemId)
    {
        TimeSpan heard;
        lock (_c.Gate)
        {
            heard = _turn.Metrics.HeardBeforeBargeIn ?? Heard;
        }

        lock (_gate)
        {
            if (!_itemStarts.TryGetValue(itemId, out var start))
            {
                return 0;
            }

            var ms = (heard - start).TotalMilliseconds;
            return ms <= 0 ? 0 : (int)ms;
        }
    }
}
