using System.Collections.Frozen;
using Microsoft.ML.OnnxRuntime;

namespace VoiceAppliance.Models.Onnx;

/// <summary>
/// One loaded ONNX model (ORT's <see cref="InferenceSession"/>): its inputs, outputs and metadata, loaded once and
/// shared by the per-stream state that runs it. Runs are thread-safe in ORT.
/// </summary>
public sealed class OnnxSession : IDisposable
{
    private readonly InferenceSession _session;

    private OnnxSession(InferenceSession session, string source)
    {
        _session = session;
        Source = source;
        try
        {
            Inputs = ReadInfos(session.InputNames, session.InputMetadata);
            Outputs = ReadInfos(session.OutputNames, session.OutputMetadata);
            var metadata = session.ModelMetadata;
            Metadata = metadata.CustomMetadataMap.ToFrozenDictionary(StringComparer.Ordinal);
            ProducerName = metadata.ProducerName;
            GraphName = metadata.GraphName;
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException ex)
        {
            session.Dispose();
            throw Ort.Fail(ex, $"reading the inputs, outputs and metadata of '{source}'");
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>The model file (or the name given for an in-memory model), for messages.</summary>
    public string Source { get; }

    /// <summary>Inputs in graph order.</summary>
    public IReadOnlyList<OnnxTensorInfo> Inputs { get; }

    /// <summary>Outputs in graph order.</summary>
    public IReadOnlyList<OnnxTensorInfo> Outputs { get; }

    /// <summary>The model's custom metadata map (sherpa-onnx voices keep sample_rate, n_speakers and so on there).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Producer name from the model metadata.</summary>
    public string ProducerName { get; }

    /// <summary>Graph name from the model metadata.</summary>
    public string GraphName { get; }

    internal InferenceSession Session => _session;

    /// <summary>Loads a model file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="OnnxRuntimeException">ORT rejected the file (the message names it).</exception>
    public static OnnxSession FromFile(string path, OnnxSessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"ONNX model '{full}' does not exist. Fix: run eng/provision.sh or point the configuration at the model file.", full);
        }

        OnnxModelCheck.CheckFile(full);
        using var sessionOptions = CreateOptions(options ?? OnnxSessionOptions.Default);
        try
        {
            return new OnnxSession(new InferenceSession(full, sessionOptions), full);
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException ex)
        {
            throw Ort.Fail(ex, $"loading the model '{full}' (is it a valid .onnx file?)");
        }
    }

    /// <summary>Loads a model from bytes in memory; <paramref name="name"/> names it in messages.</summary>
    public static OnnxSession FromMemory(ReadOnlySpan<byte> model, string name, OnnxSessionOptions? options = null)
    {
        if (model.IsEmpty)
        {
            throw new InvalidDataException($"ONNX model '{name}' is empty (0 bytes).");
        }

        OnnxModelCheck.Check(model, name);

        using var sessionOptions = CreateOptions(options ?? OnnxSessionOptions.Default);
        try
        {
            return new OnnxSession(new InferenceSession(model.ToArray(), sessionOptions), name);
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException ex)
        {
            throw Ort.Fail(ex, $"loading the model '{name}' from memory (is it a valid .onnx model?)");
        }
    }

    /// <summary>The input named <paramref name="name"/>, or null.</summary>
    public OnnxTensorInfo? FindInput(string name) => Inputs.FirstOrDefault(i => i.Name == name);

    /// <summary>The output named <paramref name="name"/>, or null.</summary>
    public OnnxTensorInfo? FindOutput(string name) => Outputs.FirstOrDefault(o => o.Name == name);

    /// <summary>
    /// Checks that the model has an input named <paramref name="name"/> of <paramref name="type"/> whose shape
    /// matches <paramref name="shape"/> (-1 matches any size; null skips the shape check), or throws
    /// <see cref="InvalidDataException"/> naming the file, what was expected and what was found.
    /// </summary>
    public OnnxTensorInfo RequireInput(string name, OnnxElementType type, ReadOnlySpan<long> shape, string expectedModel) =>
        Require(FindInput(name), "input", name, type, shape, expectedModel);

    /// <summary>As <see cref="RequireInput"/> for an output.</summary>
    public OnnxTensorInfo RequireOutput(string name, OnnxElementType type, ReadOnlySpan<long> shape, string expectedModel) =>
        Require(FindOutput(name), "output", name, type, shape, expectedModel);

    /// <inheritdoc/>
    public void Dispose() => _session.Dispose();

    private static SessionOptions CreateOptions(OnnxSessionOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.IntraOpThreads);
        ArgumentOutOfRangeException.ThrowIfNegative(options.InterOpThreads);
        Ort.EnsureEnvironment();
        var sessionOptions = new SessionOptions();
        try
        {
            sessionOptions.IntraOpNumThreads = options.IntraOpThreads;
            sessionOptions.InterOpNumThreads = options.InterOpThreads;
            sessionOptions.GraphOptimizationLevel = (GraphOptimizationLevel)options.OptimizationLevel;
            sessionOptions.LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR;
            sessionOptions.EnableCpuMemArena = options.MemoryArena;
            sessionOptions.EnableMemoryPattern = options.MemoryPattern;
        }
        catch
        {
            sessionOptions.Dispose();
            throw;
        }

        return sessionOptions;
    }

    private OnnxTensorInfo Require(OnnxTensorInfo? found, string kind, string name, OnnxElementType type, ReadOnlySpan<long> shape, string expectedModel)
    {
        var expected = $"{kind} '{name}' of {type}" + (shape.IsEmpty ? string.Empty : $" with shape [{string.Join(", ", shape.ToArray().Select(d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]");
        if (found is null)
        {
            throw new InvalidDataException(
                $"Model '{Source}' is not a {expectedModel}: expected {expected}, but its inputs are [{string.Join("; ", Inputs)}] and outputs [{string.Join("; ", Outputs)}]. Fix: use a {expectedModel} file.");
        }

        var shapeOk = shape.IsEmpty || found.Shape.Count == shape.Length;
        for (var i = 0; shapeOk && !shape.IsEmpty && i < shape.Length; i++)
        {
            shapeOk = shape[i] < 0 || found.Shape[i] < 0 || found.Shape[i] == shape[i];
        }

        if (found.ElementType != type || !shapeOk)
        {
            throw new InvalidDataException(
                $"Model '{Source}' is not a {expectedModel}: expected {expected}, found {found}. Fix: use a {expectedModel} file.");
        }

        return found;
    }

    private static OnnxTensorInfo[] ReadInfos(IReadOnlyList<string> names, IReadOnlyDictionary<string, NodeMetadata> metadata)
    {
        var infos = new OnnxTensorInfo[names.Count];
        for (var i = 0; i < names.Count; i++)
        {
            var node = metadata[names[i]];
            infos[i] = node.IsTensor
                ? new OnnxTensorInfo(names[i], Ort.ElementTypeOf(node.ElementDataType), [.. node.Dimensions.Select(d => (long)d)])
                : new OnnxTensorInfo(names[i], OnnxElementType.Undefined, []);
        }

        return infos;
    }
}
