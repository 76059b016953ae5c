using System.Runtime.CompilerServices;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Models;
using VoiceAppliance.Pipeline;
using VoiceAppliance.Workflows;
using Xunit.Abstractions;

namespace VoiceAppliance.Tests.EndToEnd;

/// <summary>
/// Each engine in turn fails once (a wrapper around the real engine throws on its first use); everything else
/// is real. The session ends with error, the pipeline is back to Idle, and the next session works.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class FailingEngineTests(EndToEndFixture engines, ITestOutputHelper output)
{
    [Theory]
    [InlineData("vad")]
    [InlineData("stt")]
    [InlineData("workflow")]
    [InlineData("tts")]
    [InlineData("playback")]
    public async Task AnEngineThatFailsEndsTheSessionWithErrorAndTheNextSessionWorks(string stage)
    {
        var fault = new InjectedFault(stage);
        var recording = new ScriptedRecording()
            .Noise(0.3).TapWhenIdle().Noise(0.4)
            .Say("Turn on the kitchen light.", engines.Speech("Turn on the kitchen light."))
            .Noise(1.0).TapWhenIdle().Noise(0.4)
            .Say("Turn off the bedroom light.", engines.Speech("Turn off the bedroom light."))
            .Noise(1.5);
        var options = new RigOptions
        {
            MicSpeed = 8,
            SpeakerSpeed = 8,
            Wrap = e => stage switch
            {
                "vad" => e with { Vad = new FailingVad(e.Vad, fault) },
                "stt" => e with { Stt = new FailingStt(e.Stt, fault) },
                "workflow" => e with { Workflow = new FailingWorkflow(e.Workflow, fault) },
                "tts" => e with { Tts = new FailingTts(e.Tts, fault) },
                "playback" => e with { Playback = new FailingPlayback(e.Playback, fault) },
                _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "unknown stage"),
            },
        };

        var result = await EndToEndRig.RunAsync(engines, recording, options, output);

        Assert.True(fault.Fired, $"the {stage} fault was never injected");
        Assert.Equal(2, result.Sessions.Count);
        var failed = result.Sessions[0];
        Assert.Equal(SessionEndReason.Error, failed.Reason);
        Assert.StartsWith(stage + ":", failed.Detail, StringComparison.Ordinal);
        var error = Assert.Single(result.Errors);
        Assert.Equal(stage, error.Source);
        Assert.Contains(InjectedFault.Message, error.Message, StringComparison.Ordinal);
        Assert.Equal(failed.SessionId, error.SessionId);

        // Error, then back to Idle before the next session starts listening.
        var transitions = result.Transitions.ToList();
        var toError = transitions.FindIndex(t => t.EndsWith("->Error", StringComparison.Ordinal));
        Assert.True(toError >= 0, string.Join(", ", transitions));
        Assert.Equal("Error->Idle", transitions[toError + 1]);
        Assert.Equal("Idle->Listening", transitions[toError + 2]);

        var next = result.Sessions[1];
        Assert.Equal(SessionEndReason.Nominal, next.Reason);
        var turn = result.Turns[^1];
        Assert.Equal("turn off the bedroom light", turn.Transcript);
        Assert.Equal("ChangeLightState", turn.Intent);
        Assert.Equal("Turning off the bedroom light.", turn.ReplyText);
        Assert.Equal(("home/bedroom/light/set", "off"), result.Published[^1]);

        // The reply of the working session reached the speaker, and it is speech.
        var reply = engines.ReplySeconds(turn.ReplyText);
        var played = result.Speaker.Duration.TotalSeconds;
        Assert.True(played >= reply * 0.9, $"speaker WAV {played:F2} s, reply {reply:F2} s");
        Assert.True(ScriptedSessionsTests.SpeechSeconds(engines, result.SpeakerBetween(played - reply, played)) >= reply * 0.5, "the reply after the failure was not spoken");
    }
}

/// <summary>A fault that fires once, on the first use of the engine it is given to.</summary>
internal sealed class InjectedFault(string stage)
{
    public const string Message = "injected test fault";

    private int _armed = 1;

    public bool Fired => Volatile.Read(ref _armed) == 0;

    public void ThrowOnFirstUse()
    {
        if (Interlocked.Exchange(ref _armed, 0) == 1)
        {
            throw new InvalidOperationException($"{Message} ({stage})");
        }
    }
}

internal sealed class FailingVad(IVoiceActivityDetector inner, InjectedFault fault) : IVoiceActivityDetector
{
    public int SampleRate => inner.SampleRate;

    public int WindowSamples => inner.WindowSamples;

    public float Process(ReadOnlySpan<float> window)
    {
        fault.ThrowOnFirstUse();
        return inner.Process(window);
    }

    public void Reset() => inner.Reset();

    public void Dispose()
    {
        // the rig owns the real VAD
    }
}

internal sealed class FailingStt(ISpeechToText inner, InjectedFault fault) : ISpeechToText
{
    public string Name => inner.Name;

    public async IAsyncEnumerable<TranscriptSegment> TranscribeAsync(ReadOnlyMemory<float> audio, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        fault.ThrowOnFirstUse();
        await foreach (var s in inner.TranscribeAsync(audio, cancellationToken).ConfigureAwait(false))
        {
            yield return s;
        }
    }
}

internal sealed class FailingWorkflow(IVoiceWorkflow inner, InjectedFault fault) : IVoiceWorkflow
{
    public string Name => inner.Name;

    public async IAsyncEnumerable<string> RespondAsync(WorkflowTurn turn, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        fault.ThrowOnFirstUse();
        await foreach (var s in inner.RespondAsync(turn, cancellationToken).ConfigureAwait(false))
        {
            yield return s;
        }
    }
}

internal sealed class FailingTts(ITextToSpeech inner, InjectedFault fault) : ITextToSpeech
{
    public string Name => inner.Name;

    public int SampleRate => inner.SampleRate;

    public async IAsyncEnumerable<AudioChunk> SynthesizeAsync(string text, SynthesisOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        fault.ThrowOnFirstUse();
        await foreach (var c in inner.SynthesizeAsync(text, options, cancellationToken).ConfigureAwait(false))
        {
            yield return c;
        }
    }
}

internal sealed class FailingPlayback(IAudioPlayback inner, InjectedFault fault) : IAudioPlayback
{
    public int Volume
    {
        get => inner.Volume;
        set => inner.Volume = value;
    }

    public TimeSpan PlayedPosition => inner.PlayedPosition;

    public ValueTask WriteAsync(ReadOnlyMemory<float> samples, int sampleRate, CancellationToken cancellationToken)
    {
        fault.ThrowOnFirstUse();
        return inner.WriteAsync(samples, sampleRate, cancellationToken);
    }

    public ValueTask DrainAsync(CancellationToken cancellationToken) => inner.DrainAsync(cancellationToken);

    public ValueTask FadeOutAsync(TimeSpan duration, CancellationToken cancellationToken) => inner.FadeOutAsync(duration, cancellationToken);

    public void StopImmediately() => inner.StopImmediately();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask; // the rig owns the real speaker
}
