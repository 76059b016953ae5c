using VoiceAppliance.Models.Onnx;

namespace VoiceAppliance.Models.Vad;

/// <summary>
/// A Silero VAD model file, loaded and validated once; <see cref="CreateStream"/> makes cheap per-stream
/// detectors that share it. Supports v5/v6 (state input) and v4 (h/c inputs).
/// </summary>
public sealed class SileroVadModel : IDisposable
{
    private SileroVadModel(OnnxSession session, SileroVersion version)
    {
        Session = session;
        Version = version;
    }

    /// <summary>The graph version found at load.</summary>
    public SileroVersion Version { get; }

    /// <summary>The model file.</summary>
    public string Path => Session.Source;

    internal OnnxSession Session { get; }

    /// <summary>Loads and validates a Silero VAD model.</summary>
    /// <exception cref="InvalidDataException">The file is an ONNX model but not a Silero VAD; the message names what was expected.</exception>
    /// <exception cref="OnnxRuntimeException">The file is not a valid ONNX model.</exception>
    public static SileroVadModel Load(string path, OnnxSessionOptions? options = null)
    {
        var session = OnnxSession.FromFile(path, options ?? OnnxSessionOptions.Default);
        try
        {
            const string Expected = "Silero VAD model (v5/v6: inputs input, state, sr; v4: input, sr, h, c)";
            session.RequireInput("input", OnnxElementType.Float, [-1, -1], Expected);
            session.RequireOutput("output", OnnxElementType.Float, [], Expected);
            if (session.FindInput("state") is not null)
            {
                session.RequireInput("state", OnnxElementType.Float, [2, -1, 128], Expected);
                session.RequireInput("sr", OnnxElementType.Int64, [], Expected);
                session.RequireOutput("stateN", OnnxElementType.Float, [], Expected);
                return new SileroVadModel(session, SileroVersion.V5);
            }

            if (session.FindInput("h") is not null)
            {
                session.RequireInput("h", OnnxElementType.Float, [2, -1, 64], Expected);
                session.RequireInput("c", OnnxElementType.Float, [2, -1, 64], Expected);
                session.RequireInput("sr", OnnxElementType.Int64, [], Expected);
                session.RequireOutput("hn", OnnxElementType.Float, [], Expected);
                session.RequireOutput("cn", OnnxElementType.Float, [], Expected);
                return new SileroVadModel(session, SileroVersion.V4);
            }

            session.RequireInput("state", OnnxElementType.Float, [2, -1, 128], Expected);
            throw new InvalidDataException($"Model '{session.Source}' is not a {Expected}.");
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>A new detector with its own state over this model, at 16000 or 8000 Hz.</summary>
    public SileroVad CreateStream(int sampleRate = 16000) => new(this, sampleRate, ownsModel: false);

    /// <inheritdoc/>
    public void Dispose() => Session.Dispose();
}
