namespace VoiceAppliance.Pipeline;

/// <summary>
/// Acoustic endpointing over VAD speech probabilities: minimum speech to start, hysteresis between the
/// speech and silence thresholds, silence to end, a hard cap and a no-speech timeout. Time is counted in
/// audio samples, so the decision depends only on the audio (deterministic, and correct when audio runs
/// faster than real time); the pipeline's watchdog covers audio that stops arriving. Allocates nothing.
/// </summary>
public sealed class Endpointer
{
    private readonly long _minSpeech;
    private readonly long _silenceToEnd;
    private readonly long _maxUtterance;
    private readonly long _prefixPadding;
    private readonly float _speechThreshold;
    private readonly float _silenceThreshold;
    private readonly int _sampleRate;
    private long _noSpeechTimeout;
    private long _pauseToEnd;
    private bool _endOnSilence;
    private bool _held;
    private long _listened;
    private long _speechRun;
    private long _silenceRun;
    private long _speechSamples;
    private long _speechStart = -1;

    /// <summary>Creates an endpointer for audio at <paramref name="sampleRate"/>.</summary>
    public Endpointer(EndpointingOptions options, int sampleRate)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1000);
        _sampleRate = sampleRate;
        _minSpeech = Samples(options.MinSpeech);
        _silenceToEnd = Samples(options.SilenceToEnd);
        _maxUtterance = Samples(options.MaxUtterance);
        _prefixPadding = Samples(options.PrefixPadding);
        _speechThreshold = options.SpeechThreshold;
        _silenceThreshold = options.SilenceThreshold;
        _noSpeechTimeout = Samples(options.NoSpeechTimeout);
        _pauseToEnd = _silenceToEnd;
        _endOnSilence = true;
    }

    /// <summary>Silence that ends the current pause: the configured window, or longer after <see cref="ExtendPause"/>.</summary>
    public TimeSpan PauseToEnd => TimeSpan.FromSeconds((double)_pauseToEnd / _sampleRate);

    /// <summary>The current pause is held past the window for a verdict that is still out (<see cref="HoldPause"/>).</summary>
    public bool PauseHeld => _held;

    /// <summary>Speech has been confirmed in this utterance.</summary>
    public bool InSpeech => _speechStart >= 0;

    /// <summary>Audio listened to since <see cref="Reset"/>, in samples.</summary>
    public long ListenedSamples => _listened;

    /// <summary>Samples of the current unconfirmed or confirmed speech run (windows at or above the speech threshold).</summary>
    public long SpeechRunSamples => _speechRun;

    /// <summary>Samples of the current run of silence (windows below the silence threshold).</summary>
    public long SilenceRunSamples => _silenceRun;

    /// <summary>Windows judged speech since speech was confirmed (including the confirming run), in samples.</summary>
    public long SpeechSamples => _speechSamples;

    /// <summary>The speech heard, as time.</summary>
    public TimeSpan SpeechDuration => TimeSpan.FromSeconds((double)_speechSamples / _sampleRate);

    /// <summary>
    /// Starts a new utterance. <paramref name="endOnSilence"/> false is push-to-talk hold: only the cap (and
    /// the caller's release) ends it. <paramref name="noSpeechTimeout"/> overrides the configured timeout
    /// (follow-up turns use their own).
    /// </summary>
    public void Reset(bool endOnSilence = true, TimeSpan? noSpeechTimeout = null)
    {
        _endOnSilence = endOnSilence;
        if (noSpeechTimeout is { } t)
        {
            _noSpeechTimeout = Samples(t);
        }

        _listened = 0;
        _pauseToEnd = _silenceToEnd;
        _held = false;
        _speechRun = 0;
        _silenceRun = 0;
        _speechSamples = 0;
        _speechStart = -1;
    }

    /// <summary>
    /// Starts an utterance whose speech is already confirmed (barge-in: the user spoke over the reply for
    /// <paramref name="speechSoFar"/>).
    /// </summary>
    public void ResetInSpeech(long speechSoFar)
    {
        Reset();
        _listened = speechSoFar;
        _speechRun = speechSoFar;
        _speechSamples = speechSoFar;
        _speechStart = 0;
    }

    /// <summary>
    /// Lets the current pause last up to <paramref name="silence"/> before it ends the utterance (never shorter than
    /// the configured window): the user stopped in the middle of a command. Speech that resumes restores the
    /// configured window for the next pause.
    /// </summary>
    public void ExtendPause(TimeSpan silence)
    {
        _held = false;
        _pauseToEnd = Math.Max(_silenceToEnd, Samples(silence));
    }

    /// <summary>
    /// The window has run out while a judgement of this pause is still out (the pause's guess, which may extend it):
    /// the pause lasts up to <paramref name="limit"/> until <see cref="ExtendPause"/> or <see cref="ReleasePause"/>.
    /// Speech that resumes restores the configured window, as after <see cref="ExtendPause"/>.
    /// </summary>
    public void HoldPause(TimeSpan limit)
    {
        _held = true;
        _pauseToEnd = Math.Max(_silenceToEnd, Samples(limit));
    }

    /// <summary>
    /// The judgement came and did not extend the pause: a held pause returns to the configured window. True when the
    /// utterance's pause has already lasted as long as it may now (the caller ends the utterance at once).
    /// </summary>
    public bool ReleasePause()
    {
        if (_held)
        {
            _held = false;
            _pauseToEnd = _silenceToEnd;
        }

        return _speechStart >= 0 && _endOnSilence && _silenceRun >= _pauseToEnd;
    }

    /// <summary>Feeds the VAD probability of the next window of <paramref name="windowSamples"/> samples.</summary>
    public EndpointDecision Process(float probability, int windowSamples)
    {
        _listened += windowSamples;
        var decision = EndpointDecision.Continue;
        if (probability >= _speechThreshold)
        {
            _speechRun += windowSamples;
            _silenceRun = 0;
            _pauseToEnd = _silenceToEnd;
            _held = false;
            if (_speechStart >= 0)
            {
                _speechSamples += windowSamples;
            }
            else if (_speechRun >= _minSpeech)
            {
                _speechStart = _listened - _speechRun;
                _speechSamples = _speechRun;
                decision = EndpointDecision.SpeechStarted;
            }
        }
        else if (probability < _silenceThreshold)
        {
            _speechRun = 0;
            _silenceRun += windowSamples;
            if (_speechStart >= 0 && _endOnSilence && _silenceRun >= _pauseToEnd)
            {
                return EndpointDecision.EndOfSpeech;
            }
        }
        else if (_speechStart >= 0)
        {
            // Between the thresholds: still speech once speech has started (hysteresis).
            _speechSamples += windowSamples;
            _silenceRun = 0;
            _pauseToEnd = _silenceToEnd;
            _held = false;
        }

        if (_speechStart >= 0)
        {
            if (_listened - _speechStart + _prefixPadding >= _maxUtterance)
            {
                return EndpointDecision.MaxUtterance;
            }
        }
        else if (_endOnSilence ? _listened >= _noSpeechTimeout : _listened >= _maxUtterance)
        {
            return EndpointDecision.NoSpeech;
        }

        return decision;
    }

    private long Samples(TimeSpan t) => (long)Math.Round(t.TotalSeconds * _sampleRate);
}
