using Microsoft.Extensions.Logging;
using VoiceAppliance.Native;

namespace VoiceAppliance.Models.Whisper;

/// <summary>
/// A ggml Whisper model loaded once into a whisper.cpp context (<c>whisper_init_from_file_with_params_no_state</c>).
/// Utterances get their own cheap per-request state (<see cref="WhisperSpeechToText"/>), so one model serves
/// any number of engines; dispose it after them.
/// </summary>
public sealed class WhisperModel : IDisposable
{
    private readonly WhisperContextSafeHandle _context;

    private WhisperModel(string path, WhisperHyperParameters hyperParameters, WhisperContextSafeHandle context)
    {
        Path = path;
        HyperParameters = hyperParameters;
        _context = context;
    }

    /// <summary>The model file.</summary>
    public string Path { get; }

    /// <summary>The header of the model file.</summary>
    public WhisperHyperParameters HyperParameters { get; }

    /// <summary>Whether the model has language tokens (can detect and transcribe other languages).</summary>
    public bool IsMultilingual => HyperParameters.IsMultilingual;

    internal WhisperContextSafeHandle Context
    {
        get
        {
            ObjectDisposedException.ThrowIf(_context.IsClosed, this);
            return _context;
        }
    }

    /// <summary>
    /// Validates <paramref name="path"/> (structure, hyper-parameters, every tensor's name and shape, length)
    /// and loads it. whisper.cpp and ggml log lines go to <paramref name="logger"/> from then on.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a complete ggml Whisper model; the message names the problem.</exception>
    /// <exception cref="WhisperException">whisper.cpp refused the model; the message carries its log line.</exception>
    /// <exception cref="DllNotFoundException">libwhisper.so.1 is missing; the message names the fix.</exception>
    public static WhisperModel Load(string path, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = System.IO.Path.GetFullPath(path);
        var hyperParameters = WhisperModelFile.Validate(full);
        try
        {
            WhisperNativeLog.Attach(logger);
        }
        catch (DllNotFoundException ex)
        {
            throw NativeDependency.Missing(Interop.Libraries.WhisperFile, Interop.Libraries.ProvisionFix, ex);
        }

        var parameters = Interop.Whisper.whisper_context_default_params();
        parameters.UseGpu = 0;
        using (WhisperNativeLog.CollectErrors())
        {
            var context = Interop.Whisper.whisper_init_from_file_with_params_no_state(full, parameters);
            if (context.IsInvalid)
            {
                context.Dispose();
                throw WhisperException.FromNative(
                    "whisper_init_from_file_with_params_no_state",
                    0,
                    WhisperNativeLog.CollectedErrors,
                    $"'{full}' passed the structural check but whisper.cpp could not load it; download the model again");
            }

            return new WhisperModel(full, hyperParameters, context);
        }
    }

    /// <summary>Frees the whisper.cpp context.</summary>
    public void Dispose() => _context.Dispose();
}
