using Microsoft.Extensions.Logging;
using Whisper.net;

namespace VoiceAppliance.Models.Whisper;

/// <summary>
/// A ggml Whisper model loaded once into a Whisper.net <see cref="WhisperFactory"/> (one whisper.cpp context,
/// the expensive part). Utterances get their own cheap <see cref="WhisperProcessor"/> (per-request state; see
/// <see cref="WhisperSpeechToText"/>), so one model serves any number of engines; dispose it after them.
/// </summary>
public sealed class WhisperModel : IDisposable
{
    private readonly WhisperFactory _factory;
    private int _activeRuns;
    private bool _disposed;

    private WhisperModel(string path, WhisperHyperParameters hyperParameters, WhisperFactory factory)
    {
        Path = path;
        HyperParameters = hyperParameters;
        _factory = factory;
    }

    /// <summary>The model file.</summary>
    public string Path { get; }

    /// <summary>The header of the model file.</summary>
    public WhisperHyperParameters HyperParameters { get; }

    /// <summary>Whether the model has language tokens (can detect and transcribe other languages).</summary>
    public bool IsMultilingual => HyperParameters.IsMultilingual;

    /// <summary>The end-of-text token id (text tokens are below it).</summary>
    internal int EndOfTextToken => IsMultilingual ? 50257 : 50256;

    /// <summary>Transcriptions whose native run has not ended yet (their processor is not disposed).</summary>
    internal int ActiveRuns => Volatile.Read(ref _activeRuns);

    /// <summary>
    /// Checks that <paramref name="path"/> is a complete ggml Whisper model (structure, hyper-parameters, every
    /// tensor's name and shape, length) without loading it into whisper.cpp; <c>config check</c> uses this.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a complete ggml Whisper model; the message names it and the problem.</exception>
    public static WhisperHyperParameters Validate(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return WhisperModelFile.Validate(System.IO.Path.GetFullPath(path));
    }

    /// <summary>
    /// Validates <paramref name="path"/> (structure, hyper-parameters, every tensor's name and shape, length)
    /// and only then lets whisper.cpp load it: whisper.cpp reads a damaged file without bounds checks and a
    /// truncated one can end the process on first use. whisper.cpp and ggml log lines go to
    /// <paramref name="logger"/> from then on.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a complete ggml Whisper model; the message names the file, the problem and the fix.</exception>
    /// <exception cref="WhisperException">whisper.cpp refused the model; the message carries its log line.</exception>
    /// <exception cref="DllNotFoundException">libwhisper.so (Whisper.net.Runtime) is missing; the message names the fix.</exception>
    public static WhisperModel Load(string path, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = System.IO.Path.GetFullPath(path);
        var hyperParameters = WhisperModelFile.Validate(full);
        WhisperRuntime.EnsureLoaded();
        WhisperNativeLog.Attach(logger);

        using var errors = WhisperNativeLog.CollectErrors();
        WhisperFactory? factory = null;
        try
        {
            factory = WhisperFactory.FromPath(full, new WhisperFactoryOptions { UseGpu = false });

            // The context is created eagerly; CreateBuilder reports a null one (whisper.cpp refused the file).
            _ = factory.CreateBuilder();
            return new WhisperModel(full, hyperParameters, factory);
        }
        catch (WhisperModelLoadException ex)
        {
            factory?.Dispose();
            throw WhisperException.FromNative(
                "whisper_init_from_file_with_params_no_state",
                0,
                errors.Text,
                $"'{full}' passed the structural check but whisper.cpp could not load it; download the model again",
                ex);
        }
    }

    /// <summary>A processor for one utterance with <paramref name="options"/>; counted until <see cref="RunEnded"/>.</summary>
    internal WhisperProcessor CreateProcessor(WhisperOptions options, Action? encoderStarting)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var builder = _factory.CreateBuilder();
        options.Apply(builder, encoderStarting);
        var processor = builder.Build();
        Interlocked.Increment(ref _activeRuns);
        return processor;
    }

    /// <summary>Called once the processor of a run is disposed (its native run has ended).</summary>
    internal void RunEnded() => Interlocked.Decrement(ref _activeRuns);

    /// <summary>Frees the whisper.cpp context.</summary>
    public void Dispose()
    {
        _disposed = true;
        _factory.Dispose();
    }
}
