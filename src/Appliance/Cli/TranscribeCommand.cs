using System.Diagnostics;
using System.Globalization;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Demo;
using VoiceAppliance.Models;
using VoiceAppliance.Models.Grammar;
using VoiceAppliance.Models.Piper;
using VoiceAppliance.Models.Whisper;
using VoiceAppliance.Workflows.Intents;

namespace VoiceAppliance.Cli;

/// <summary>
/// <c>appliance transcribe FILE [--stt grammar|whisper] [--whisper-model FILE] [--intents FILE]</c>: runs speech to
/// text on a WAV file (any rate; channels are mixed) and prints the segments and the real-time factor.
/// </summary>
public static class TranscribeCommand
{
    private const string Usage = "usage: appliance transcribe FILE " + SpeechEngineArguments.Usage + " [--intents FILE]";

    /// <summary>Runs the command.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        string? file = null, intentsFile = null;
        var options = new SpeechEngineArguments("whisper");
        for (var i = 0; i < args.Length; i++)
        {
            if (options.TryTake(args, ref i, out var error))
            {
                if (error is not null)
                {
                    await stderr.WriteLineAsync($"appliance transcribe: {error}.\n{Usage}").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }

                continue;
            }

            var hasValue = i + 1 < args.Length;
            switch (args[i])
            {
                case "--intents" when hasValue:
                    intentsFile = args[++i];
                    break;
                case var a when !a.StartsWith("--", StringComparison.Ordinal) && file is null:
                    file = a;
                    break;
                default:
                    await stderr.WriteLineAsync($"appliance transcribe: unknown or incomplete option '{args[i]}'.\n{Usage}").ConfigureAwait(false);
                    return ExitCodes.Usage;
            }
        }

        if (file is null)
        {
            await stderr.WriteLineAsync(Usage).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        try
        {
            var audio = CliAudio.ReadSpeech16k(file);
            var intents = intentsFile is null ? IntentsFile.Parse(DemoScenario.IntentsJson, "demo intents") : IntentsFile.Load(intentsFile);
            using var whisper = options.Engine == "whisper" ? WhisperModel.Load(options.WhisperModel ?? ModelPaths.Require("ggml-base.en.bin")) : null;
            using var grammar = options.Engine == "grammar" ? new GrammarSpeechToText(JsgfCompiler.Compile(intents.Intents.Select(i => (i.Name, (IReadOnlyList<SentenceTemplate>)i.Sentences.Select(SentenceTemplate.Parse).ToList())))) : null;
            var watch = Stopwatch.StartNew();
            if (grammar is not null)
            {
                // The grammar recogniser's rejected best guess and its confidence are what one tunes the threshold with.
                var result = grammar.Recognize(audio, cancellationToken);
                var verdict = result.Accepted ? "accepted" : result.Text.Length == 0 ? "rejected: no command path" : "rejected as outside the commands";
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"[{result.Start.TotalSeconds:F2} -> {result.End.TotalSeconds:F2}] {result.Text} (confidence {result.Confidence:F3} x word durations {result.DurationFactor:F2}, threshold {grammar.RejectionThreshold:F3}; unexplained speech {result.UnexplainedSpeech:P0}: {verdict})")).ConfigureAwait(false);
                var length = audio.Length / 16000.0;
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{grammar.Name}: {(result.Accepted ? 1 : 0)} segment(s), {length:F2} s of audio in {watch.ElapsedMilliseconds} ms (RTF {watch.Elapsed.TotalSeconds / length:F3})")).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            var engine = new WhisperSpeechToText(whisper!);
            var count = 0;
            await foreach (var segment in engine.TranscribeAsync(audio, cancellationToken).ConfigureAwait(false))
            {
                count++;
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"[{segment.Start.TotalSeconds:F2} -> {segment.End.TotalSeconds:F2}] {segment.Text} (confidence {segment.Confidence:F2})")).ConfigureAwait(false);
            }

            var seconds = audio.Length / 16000.0;
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{engine.Name}: {count} segment(s), {seconds:F2} s of audio in {watch.ElapsedMilliseconds} ms (RTF {watch.Elapsed.TotalSeconds / seconds:F3})")).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        catch (FileNotFoundException ex)
        {
            await stderr.WriteLineAsync($"appliance transcribe: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.MissingDependency;
        }
        catch (Exception ex) when (ex is InvalidWavException or InvalidDataException or WhisperException or GrammarRecognizerException)
        {
            await stderr.WriteLineAsync($"appliance transcribe: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.DataError;
        }
    }
}
