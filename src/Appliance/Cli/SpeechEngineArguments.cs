namespace VoiceAppliance.Cli;

/// <summary>
/// The speech-to-text options <c>demo</c> and <c>transcribe</c> share: <c>--stt grammar|whisper</c> and
/// <c>--whisper-model FILE</c>.
/// </summary>
/// <param name="defaultEngine">The engine without <c>--stt</c>: <c>grammar</c> or <c>whisper</c>.</param>
internal sealed class SpeechEngineArguments(string defaultEngine)
{
    /// <summary>The options' usage text.</summary>
    public const string Usage = "[--stt grammar|whisper] [--whisper-model FILE]";

    /// <summary>The engine: <c>grammar</c> or <c>whisper</c>.</summary>
    public string Engine { get; private set; } = defaultEngine;

    /// <summary>The ggml Whisper model for <c>--stt whisper</c>; null: the command's default model.</summary>
    public string? WhisperModel { get; private set; }

    /// <summary>
    /// Takes the option at <paramref name="i"/> if it is one of these (advancing <paramref name="i"/> past its value);
    /// false when it is not one of them. <paramref name="error"/> names a bad or missing value and the fix.
    /// </summary>
    public bool TryTake(string[] args, ref int i, out string? error)
    {
        error = null;
        var hasValue = i + 1 < args.Length;
        switch (args[i])
        {
            case "--stt":
                if (!hasValue || args[i + 1] is not ("grammar" or "whisper"))
                {
                    error = hasValue
                        ? $"--stt '{args[i + 1]}' is not an engine: use --stt grammar (the commands of the intents) or --stt whisper"
                        : "--stt needs an engine: grammar or whisper";
                }

                if (hasValue)
                {
                    Engine = args[++i];
                }

                return true;
            case "--whisper-model":
                if (!hasValue)
                {
                    error = "--whisper-model needs a file: a ggml Whisper model such as models/ggml-base.en.bin";
                    return true;
                }

                WhisperModel = args[++i];
                return true;
            default:
                return false;
        }
    }
}
