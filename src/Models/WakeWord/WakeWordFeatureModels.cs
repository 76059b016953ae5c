using VoiceAppliance.Models.Onnx;

namespace VoiceAppliance.Models.WakeWord;

/// <summary>
/// openWakeWord's two shared feature models, loaded and validated once and shared by every wake word and every
/// stream: <c>melspectrogram.onnx</c> (an ONNX form of a fixed Torch melspectrogram: 16 kHz samples at int16 scale
/// in, 32 mel bands every 10 ms out) and <c>embedding_model.onnx</c> (openWakeWord's re-implementation of Google's
/// speech_embedding: 76 mel frames in, one 96-value embedding out). Both are Apache-2.0.
/// </summary>
public sealed class WakeWordFeatureModels : IDisposable
{
    /// <summary>Sample rate the models take.</summary>
    public const int SampleRate = 16000;

    /// <summary>Samples per step of the chain: 80 ms, one embedding.</summary>
    public const int FrameSamples = 1280;

    /// <summary>Mel hop: 10 ms.</summary>
    public const int MelHopSamples = 160;

    /// <summary>Samples of the previous step the melspectrogram needs to produce exactly 8 new frames per step.</summary>
    public const int MelContextSamples = 3 * MelHopSamples;

    /// <summary>Mel frames per step (80 ms / 10 ms).</summary>
    public const int MelFramesPerFrame = FrameSamples / MelHopSamples;

    /// <summary>Mel bands.</summary>
    public const int MelBands = 32;

    /// <summary>Mel frames the embedding model takes (775 ms).</summary>
    public const int EmbeddingWindowFrames = 76;

    /// <summary>Values in one embedding.</summary>
    public const int EmbeddingSize = 96;

    private const string MelExpected = "wake word melspectrogram model (openWakeWord's melspectrogram.onnx: one float input [batch, samples], one float output [batch, 1, frames, 32])";
    private const string EmbeddingExpected = "wake word speech embedding model (openWakeWord's embedding_model.onnx: float input [batch, 76, 32, 1], float output [batch, 1, 1, 96])";

    private WakeWordFeatureModels(OnnxSession mel, OnnxSession embedding)
    {
        Melspectrogram = mel;
        Embedding = embedding;
        MelInput = mel.Inputs[0].Name;
        MelOutput = mel.Outputs[0].Name;
        EmbeddingInput = embedding.Inputs[0].Name;
        EmbeddingOutput = embedding.Outputs[0].Name;
    }

    /// <summary>
    /// How the chain's sessions run unless told otherwise (the feature models here, the classifiers in
    /// <see cref="WakeWordModel.Load"/>): one thread, all optimisations, ORT's memory arena and memory pattern on.
    /// Turning both off was measured (<c>bench wake</c>, each way in a fresh process after Silero has loaded ORT): the
    /// chain with two words adds 7.5-8.0 MB RSS with them on and 8.4-8.7 MB with them off, at the same CPU within
    /// the shared machine's noise; the 44 MB the first bench reported was ONNX Runtime itself, which the daemon
    /// loads for Silero anyway. So they stay on.
    /// </summary>
    public static OnnxSessionOptions SessionOptions { get; } = OnnxSessionOptions.Default;

    /// <summary>The melspectrogram model file.</summary>
    public string MelspectrogramPath => Melspectrogram.Source;

    /// <summary>The embedding model file.</summary>
    public string EmbeddingPath => Embedding.Source;

    internal OnnxSession Melspectrogram { get; }

    internal OnnxSession Embedding { get; }

    internal string MelInput { get; }

    internal string MelOutput { get; }

    internal string EmbeddingInput { get; }

    internal string EmbeddingOutput { get; }

    /// <summary>Loads <c>melspectrogram.onnx</c> and <c>embedding_model.onnx</c> from <paramref name="directory"/>.</summary>
    public static WakeWordFeatureModels LoadFromDirectory(string directory, OnnxSessionOptions? options = null) =>
        Load(Path.Combine(directory, "melspectrogram.onnx"), Path.Combine(directory, "embedding_model.onnx"), options);

    /// <summary>Loads and validates the two feature models.</summary>
    /// <exception cref="FileNotFoundException">A file is missing (the message names it and the fix).</exception>
    /// <exception cref="InvalidDataException">A file is an ONNX model of another kind (the message names it and what was expected).</exception>
    /// <exception cref="OnnxRuntimeException">A file is not a valid ONNX model.</exception>
    public static WakeWordFeatureModels Load(string melspectrogramPath, string embeddingPath, OnnxSessionOptions? options = null)
    {
        options ??= SessionOptions;
        var mel = OnnxSession.FromFile(melspectrogramPath, options);
        OnnxSession? embedding = null;
        try
        {
            RequireSingle(mel, MelExpected);
            mel.RequireInput(mel.Inputs[0].Name, OnnxElementType.Float, [-1, -1], MelExpected);
            mel.RequireOutput(mel.Outputs[0].Name, OnnxElementType.Float, [-1, 1, -1, MelBands], MelExpected);
            embedding = OnnxSession.FromFile(embeddingPath, options);
            RequireSingle(embedding, EmbeddingExpected);
            embedding.RequireInput(embedding.Inputs[0].Name, OnnxElementType.Float, [-1, EmbeddingWindowFrames, MelBands, 1], EmbeddingExpected);
            embedding.RequireOutput(embedding.Outputs[0].Name, OnnxElementType.Float, [-1, 1, 1, EmbeddingSize], EmbeddingExpected);
            return new WakeWordFeatureModels(mel, embedding);
        }
        catch
        {
            mel.Dispose();
            embedding?.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Melspectrogram.Dispose();
        Embedding.Dispose();
    }

    private static void RequireSingle(OnnxSession session, string expected)
    {
        if (session.Inputs.Count != 1 || session.Outputs.Count != 1)
        {
            throw new InvalidDataException(
                $"Model '{session.Source}' is not a {expected}: it has {session.Inputs.Count} inputs [{string.Join("; ", session.Inputs)}] and {session.Outputs.Count} outputs [{string.Join("; ", session.Outputs)}]. Fix: use the file eng/provision.sh installs in models/openwakeword/.");
        }
    }
}
