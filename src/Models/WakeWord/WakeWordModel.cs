using VoiceAppliance.Models.Onnx;

namespace VoiceAppliance.Models.WakeWord;

/// <summary>
/// One openWakeWord classifier (for example <c>hey_jarvis_v0.1.onnx</c>): the last N speech embeddings in
/// (N = 16, 1.28 s, for the pretrained words; read from the model), one score in [0, 1] out. Loaded and validated
/// once; any number of <see cref="WakeWordDetector"/>s share it.
/// </summary>
public sealed class WakeWordModel : IDisposable
{
    /// <summary>The most embeddings a classifier may take (about 10 s of audio).</summary>
    public const int MaxWindowEmbeddings = 128;

    private const string Expected = "openWakeWord wake word classifier (one float input [1, N, 96], one float output [1, 1])";

    private WakeWordModel(OnnxSession session, string name, int windowEmbeddings)
    {
        Session = session;
        Name = name;
        WindowEmbeddings = windowEmbeddings;
        InputName = session.Inputs[0].Name;
        OutputName = session.Outputs[0].Name;
    }

    /// <summary>The wake word's name: the file name without its version suffix (<c>hey_jarvis_v0.1.onnx</c> -> <c>hey_jarvis</c>).</summary>
    public string Name { get; }

    /// <summary>Embeddings (80 ms each) the classifier looks at.</summary>
    public int WindowEmbeddings { get; }

    /// <summary>The model file.</summary>
    public string Path => Session.Source;

    internal OnnxSession Session { get; }

    internal string InputName { get; }

    internal string OutputName { get; }

    /// <summary>The wake word name for a classifier file: file name without extension and without a <c>_v0.1</c>-style version.</summary>
    public static string NameOf(string path)
    {
        var name = System.IO.Path.GetFileNameWithoutExtension(path);
        var v = name.LastIndexOf("_v", StringComparison.Ordinal);
        return v > 0 && v + 2 < name.Length && char.IsAsciiDigit(name[v + 2]) ? name[..v] : name;
    }

    /// <summary>Loads and validates a classifier; <paramref name="name"/> defaults to <see cref="NameOf"/> of the file.</summary>
    /// <exception cref="FileNotFoundException">The file is missing (the message names it and the fix).</exception>
    /// <exception cref="InvalidDataException">The file is an ONNX model of another kind.</exception>
    /// <exception cref="OnnxRuntimeException">The file is not a valid ONNX model.</exception>
    public static WakeWordModel Load(string path, string? name = null, OnnxSessionOptions? options = null)
    {
        var session = OnnxSession.FromFile(path, options ?? WakeWordFeatureModels.SessionOptions);
        try
        {
            if (session.Inputs.Count != 1 || session.Outputs.Count != 1)
            {
                throw new InvalidDataException(
                    $"Model '{session.Source}' is not an {Expected}: it has inputs [{string.Join("; ", session.Inputs)}] and outputs [{string.Join("; ", session.Outputs)}]. Fix: point the wake word at an openWakeWord classifier .onnx file.");
            }

            var input = session.RequireInput(session.Inputs[0].Name, OnnxElementType.Float, [-1, -1, WakeWordFeatureModels.EmbeddingSize], Expected);
            session.RequireOutput(session.Outputs[0].Name, OnnxElementType.Float, [-1, 1], Expected);
            var window = input.Shape[1];
            if (window is < 1 or > MaxWindowEmbeddings)
            {
                throw new InvalidDataException(
                    $"Model '{session.Source}' is not an {Expected}: its input {input} must fix N between 1 and {MaxWindowEmbeddings} embeddings. Fix: export the classifier with a fixed window.");
            }

            return new WakeWordModel(session, string.IsNullOrWhiteSpace(name) ? NameOf(path) : name, (int)window);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => Session.Dispose();
}
