namespace VoiceAppliance.Pipeline;

/// <summary>
/// The per-turn metrics (<see cref="TurnMetrics"/>): what the user feels (endpoint decision -> final transcript ->
/// first reply text -> first audio out), the STT and TTS real-time factors, dropped audio and what was heard before
/// a barge-in. Every figure is written here, so the report's definitions live in one place. Called under the
/// session controller's lock.
/// </summary>
internal sealed class TurnMetricsRecorder(TimeProvider time, int sampleRate)
{
    /// <summary>The listening part ended (<paramref name="how"/>) with this much speech and audio.</summary>
    public void UtteranceEnded(PipelineTurn turn, UtteranceEnd how, TimeSpan speech, int utteranceSamples, long trailingSilenceSamples = 0)
    {
        turn.EndOfSpeech = time.GetTimestamp();
        turn.Metrics = turn.Metrics with
        {
            UtteranceEnd = how,
            TrailingSilence = TimeSpan.FromSeconds((double)trailingSilenceSamples / sampleRate),
            SpeechDuration = speech,
            UtteranceDuration = TimeSpan.FromSeconds((double)utteranceSamples / sampleRate),
        };
    }

    /// <summary>A say or play turn: the clock starts now.</summary>
    public void StartedWithoutListening(PipelineTurn turn) => turn.EndOfSpeech = time.GetTimestamp();

    /// <summary>No speech was heard: the end is no-speech unless the microphone source ended.</summary>
    public static void NoSpeech(PipelineTurn turn, UtteranceEnd how) =>
        turn.Metrics = turn.Metrics with { UtteranceEnd = how == UtteranceEnd.SourceEnded ? how : UtteranceEnd.NoSpeech };

    /// <summary>The final transcript is in.</summary>
    public void Transcribed(PipelineTurn turn)
    {
        var elapsed = time.GetElapsedTime(turn.EndOfSpeech);
        turn.Metrics = turn.Metrics with
        {
            EndOfSpeechToTranscriptMs = elapsed.TotalMilliseconds,
            SpeculativeTranscript = turn.SpeculativeTranscript,
            PauseExtended = turn.PauseExtended,
            SpeculativeDecodes = turn.IncrementalResult?.Decodes,
            TailDuration = turn.IncrementalResult is { } inc ? TimeSpan.FromSeconds((double)inc.TailSamples / sampleRate) : null,
            // A realtime turn has no local engine to time (the model heard and spoke itself): no factor rather than a 0
            // that reads as an infinitely fast engine.
            SttRealTimeFactor = turn.Realtime is null && turn.Metrics.UtteranceDuration > TimeSpan.Zero ? turn.SttTime / turn.Metrics.UtteranceDuration : null,
        };
    }

    /// <summary>The workflow produced its first text.</summary>
    public void FirstReplyText(PipelineTurn turn) =>
        turn.Metrics = turn.Metrics with { EndOfSpeechToFirstReplyTextMs = time.GetElapsedTime(turn.EndOfSpeech).TotalMilliseconds };

    /// <summary>The first reply audio was accepted by the speaker.</summary>
    public void FirstAudio(PipelineTurn turn)
    {
        var ms = time.GetElapsedTime(turn.EndOfSpeech).TotalMilliseconds;
        turn.Metrics = turn.Metrics with
        {
            EndOfSpeechToFirstAudioMs = ms,
            LastVoiceToFirstAudioMs = turn.Metrics.SpeechDuration > TimeSpan.Zero ? ms + turn.Metrics.TrailingSilence.TotalMilliseconds : null,
        };
    }

    /// <summary>The reply was spoken to its end.</summary>
    public static void ReplyFinished(PipelineTurn turn, ReplyResult result) =>
        turn.Metrics = turn.Metrics with
        {
            TtsRealTimeFactor = turn.Realtime is null && result.AudioDuration > TimeSpan.Zero ? result.SynthesisTime / result.AudioDuration : null,
            PrefetchedReply = turn.PrefetchingVoice?.Used == true,
        };

    /// <summary>The reply was cut after <paramref name="heard"/> (barge-in, stop).</summary>
    public static void Interrupted(PipelineTurn turn, TimeSpan? heard) => turn.Metrics = turn.Metrics with { HeardBeforeBargeIn = heard };

    /// <summary>The turn ends: the audio the capture dropped during it.</summary>
    public void TurnEnded(PipelineTurn turn, long droppedSamplesNow)
    {
        var dropped = Math.Max(0, droppedSamplesNow - turn.DroppedAtStart);
        turn.Metrics = turn.Metrics with
        {
            DroppedAudio = TimeSpan.FromSeconds((double)dropped / sampleRate),
            Provider = turn.Providers.Summary,
            FallbackReason = turn.Providers.FallbackReasons,
        };
        turn.Session.LastMetrics = turn.Metrics;
    }
}
