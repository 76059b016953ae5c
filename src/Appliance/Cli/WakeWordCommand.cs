using System.Diagnostics;
using System.Globalization;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Audio.Alsa.Dsp;
using VoiceAppliance.Models.WakeWord;

namespace VoiceAppliance.Cli;

/// <summary>
/// <c>appliance wake-score FILE</c>: runs the wake word chain over a WAV file (any rate; channels mixed; resampled to
/// 16 kHz) and prints each detection with its time and score, then each word's highest score and the timing, for
/// tuning thresholds. <c>appliance wake-test</c>: the same chain live on a capture device, one score meter line per
/// 160 ms and a line per detection, like <c>mic-test</c>. Exit code of wake-score: 0 when a word was detected, 1 when
/// none was.
/// </summary>
public static class WakeWordCommand
{
    private const string ScoreUsage = "usage: appliance wake-score FILE " + WakeWordArguments.Usage + " [--scores]";
    private const string TestUsage = "usage: appliance wake-test [--device PCM] [--alsa-config FILE] [--seconds S] " + WakeWordArguments.Usage;

    /// <summary>Runs <c>wake-score</c>.</summary>
    public static async Task<int> ScoreAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var words = new WakeWordArguments();
        string? file = null;
        var everyFrame = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (words.TryTake(args, ref i, out var error))
            {
                if (error is not null)
                {
                    await stderr.WriteLineAsync($"appliance wake-score: {error}.\n{ScoreUsage}").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }

                continue;
            }

            switch (args[i])
            {
                case "--scores":
                    everyFrame = true;
                    break;
                case var a when !a.StartsWith("--", StringComparison.Ordinal) && file is null:
                    file = a;
                    break;
                default:
                    await stderr.WriteLineAsync($"appliance wake-score: unknown or incomplete option '{args[i]}'.\n{ScoreUsage}").ConfigureAwait(false);
                    return ExitCodes.Usage;
            }
        }

        if (file is null)
        {
            await stderr.WriteLineAsync(ScoreUsage).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        float[] audio;
        try
        {
            audio = CliAudio.ReadSpeech16k(file);
        }
        catch (InvalidWavException ex)
        {
            await stderr.WriteLineAsync($"appliance wake-score: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.DataError;
        }

        WakeWordFeatureModels features;
        WakeWordModel[] models;
        WakeWordTarget[] targets;
        try
        {
            (features, models, targets) = words.Load();
        }
        catch (FileNotFoundException ex)
        {
            await stderr.WriteLineAsync($"appliance wake-score: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.MissingDependency;
        }

        try
        {
            using var detector = new WakeWordDetector(features, targets, words.Refractory, words.FineHopFrom);
            var max = new float[targets.Length];
            var detections = 0;
            var watch = Stopwatch.StartNew();
            ReadOnlySpan<float> rest = audio;
            var lines = new List<string>();
            while (detector.Process(ref rest))
            {
                var seconds = detector.Frames * WakeWordFeatureModels.FrameSamples / (double)WakeWordFeatureModels.SampleRate;
                for (var w = 0; w < targets.Length; w++)
                {
                    max[w] = Math.Max(max[w], Math.Max(detector.Scores[w], detector.FineScores[w]));
                }

                if (everyFrame && detector.FineScored)
                {
                    // The fine hop's score 40 ms before the frame's end, near a candidate.
                    lines.Add(string.Create(CultureInfo.InvariantCulture, $"{seconds - 0.04,8:F2} s  ") + string.Join("  ", targets.Select((t, w) => string.Create(CultureInfo.InvariantCulture, $"{t.Model.Name} {detector.FineScores[w]:F3}"))) + "  (40 ms hop)");
                }

                if (everyFrame)
                {
                    lines.Add(string.Create(CultureInfo.InvariantCulture, $"{seconds,8:F2} s  ") + string.Join("  ", targets.Select((t, w) => string.Create(CultureInfo.InvariantCulture, $"{t.Model.Name} {detector.Scores[w]:F3}"))));
                }

                foreach (var d in detector.Detections)
                {
                    detections++;
                    lines.Add(string.Create(CultureInfo.InvariantCulture, $"wake {detections}: {d.Word} at {d.Time.TotalSeconds:F2} s, score {d.Score:F3} (threshold {targets[d.Index].Threshold:F2}, patience {targets[d.Index].Patience})"));
                }
            }

            watch.Stop();
            foreach (var line in lines)
            {
                await stdout.WriteLineAsync(line).ConfigureAwait(false);
            }

            for (var w = 0; w < targets.Length; w++)
            {
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{targets[w].Model.Name}: highest score {max[w]:F3}, threshold {targets[w].Threshold:F2}, patience {targets[w].Patience}")).ConfigureAwait(false);
            }

            var total = audio.Length / (double)WakeWordFeatureModels.SampleRate;
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"openwakeword: {detections} detection(s), {total:F2} s of audio in {watch.ElapsedMilliseconds} ms (RTF {watch.Elapsed.TotalSeconds / Math.Max(total, 1e-3):F4})")).ConfigureAwait(false);
            return detections > 0 ? ExitCodes.Ok : 1;
        }
        finally
        {
            Dispose(features, models);
        }
    }

    /// <summary>Runs <c>wake-test</c>.</summary>
    public static async Task<int> TestAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var words = new WakeWordArguments();
        var device = "default";
        string? alsaConfig = null;
        var seconds = 30.0;
        for (var i = 0; i < args.Length; i++)
        {
            if (words.TryTake(args, ref i, out var error))
            {
                if (error is not null)
                {
                    await stderr.WriteLineAsync($"appliance wake-test: {error}.\n{TestUsage}").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }

                continue;
            }

            var hasValue = i + 1 < args.Length;
            switch (args[i])
            {
                case "--device" when hasValue:
                    device = args[++i];
                    break;
                case "--alsa-config" when hasValue:
                    alsaConfig = args[++i];
                    break;
                case "--seconds" when hasValue && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s is > 0 and <= 86400:
                    seconds = s;
                    i++;
                    break;
                default:
                    await stderr.WriteLineAsync($"appliance wake-test: unknown, incomplete or out-of-range option '{args[i]}'.\n{TestUsage}").ConfigureAwait(false);
                    return ExitCodes.Usage;
            }
        }

        WakeWordFeatureModels features;
        WakeWordModel[] models;
        WakeWordTarget[] targets;
        try
        {
            (features, models, targets) = words.Load();
        }
        catch (FileNotFoundException ex)
        {
            await stderr.WriteLineAsync($"appliance wake-test: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.MissingDependency;
        }

        try
        {
            using var detector = new WakeWordDetector(features, targets, words.Refractory, words.FineHopFrom);
            const int Period = WakeWordFeatureModels.FrameSamples;
            using var pcm = AlsaPcm.Open(device, AlsaStreamDirection.Capture, new AlsaPcmSettings { Format = AlsaSampleFormat.S16LE, SampleRate = WakeWordFeatureModels.SampleRate, Channels = 1, PeriodFrames = Period }, alsaConfig);
            var p = pcm.Accepted;
            if (p.SampleRate != WakeWordFeatureModels.SampleRate || p.Channels != 1)
            {
                await stderr.WriteLineAsync($"appliance wake-test: '{device}' opened at {p.SampleRate} Hz with {p.Channels} channel(s); the wake word chain needs 16000 Hz mono. Fix: use a 'plug' device such as 'default'.").ConfigureAwait(false);
                return ExitCodes.MissingDependency;
            }

            await stdout.WriteLineAsync($"{device}: listening for {string.Join(", ", targets.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Model.Name} (threshold {t.Threshold:F2}, patience {t.Patience})")))}; one line per 160 ms with each word's highest score").ConfigureAwait(false);
            var raw = new byte[p.PeriodFrames * p.FrameBytes];
            var samples = new float[p.PeriodFrames];
            var max = new float[targets.Length];
            var line = new System.Text.StringBuilder();
            var frames = 0;
            var totalFrames = (long)(seconds * p.SampleRate);
            long read = 0;
            while (read < totalFrames && !cancellationToken.IsCancellationRequested)
            {
                var got = pcm.Read(raw, (int)Math.Min(p.PeriodFrames, totalFrames - read));
                if (got < 0)
                {
                    if (pcm.Recover(got) < 0)
                    {
                        throw pcm.Error(got, "snd_pcm_readi");
                    }

                    continue;
                }

                read += got;
                SampleConverter.ToFloat(p.Format, raw.AsSpan(0, got * p.FrameBytes), samples.AsSpan(0, got));
                line.Clear();
                frames = Meter(detector, samples.AsSpan(0, got), max, frames, line);
                if (line.Length > 0)
                {
                    await stdout.WriteAsync(line.ToString()).ConfigureAwait(false);
                }
            }

            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"wake-test: {read / (double)p.SampleRate:F1} s; CPU in the chain: melspectrogram {detector.MelspectrogramTime.TotalMilliseconds:F0} ms, embedding {detector.EmbeddingTime.TotalMilliseconds:F0} ms, ") + string.Join(", ", targets.Select((t, w) => string.Create(CultureInfo.InvariantCulture, $"{t.Model.Name} {detector.ClassifierTime(w).TotalMilliseconds:F0} ms")))).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        catch (AlsaException ex)
        {
            await stderr.WriteLineAsync($"appliance wake-test: {ex.Message}. List devices with 'appliance devices'.").ConfigureAwait(false);
            return ExitCodes.MissingDependency;
        }
        finally
        {
            Dispose(features, models);
        }
    }

    /// <summary>Feeds one capture block; appends a meter line every second frame and a line per detection.</summary>
    private static int Meter(WakeWordDetector detector, ReadOnlySpan<float> block, float[] max, int frames, System.Text.StringBuilder output)
    {
        var targets = detector.Targets;
        while (detector.Process(ref block))
        {
            for (var w = 0; w < targets.Count; w++)
            {
                max[w] = Math.Max(max[w], detector.Scores[w]);
            }

            foreach (var d in detector.Detections)
            {
                output.Append(CultureInfo.InvariantCulture, $"DETECTED {d.Word} at {d.Time.TotalSeconds:F2} s, score {d.Score:F3}\n");
            }

            if (++frames % 2 == 0)
            {
                output.Append(CultureInfo.InvariantCulture, $"{detector.Frames * 0.08,8:F2} s ");
                for (var w = 0; w < targets.Count; w++)
                {
                    var bar = new string('#', (int)Math.Round(max[w] * 20));
                    output.Append(CultureInfo.InvariantCulture, $" {targets[w].Model.Name} {max[w]:F2} {bar,-20}{(max[w] >= targets[w].Threshold ? '|' : ' ')}");
                }

                output.Append('\n');
                Array.Clear(max);
            }
        }

        return frames;
    }

    private static void Dispose(WakeWordFeatureModels features, WakeWordModel[] models)
    {
        foreach (var m in models)
        {
            m.Dispose();
        }

        features.Dispose();
    }
}
