using System.Collections.Frozen;
using System.Runtime.InteropServices;
using static VoiceAppliance.Models.Interop.OnnxRuntime;

namespace VoiceAppliance.Models.Onnx;

/// <summary>
/// One loaded ONNX model (an <c>OrtSession</c>): its inputs, outputs and metadata, loaded once and shared by
/// the per-stream state that runs it. <c>Run</c> is thread-safe in ORT.
/// </summary>
public sealed unsafe class OnnxSession : IDisposable
{
    private readonly OrtSessionSafeHandle _handle;

    private OnnxSession(OrtSessionSafeHandle handle, string source)
    {
        _handle = handle;
        Source = source;
        try
        {
            Inputs = ReadInfos(isInput: true);
            Outputs = ReadInfos(isInput: false);
            (Metadata, ProducerName, GraphName) = ReadMetadata();
        }
        catch
        {
            handle.Dispose();
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

    internal OrtSessionSafeHandle Handle => _handle;

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

        using var sessionOptions = CreateOptions(options ?? OnnxSessionOptions.Default);
        var api = Ort.Api;
        nint session;
        var pathBytes = System.Text.Encoding.UTF8.GetBytes(full + "\0");
        fixed (byte* p = pathBytes)
        {
            var status = api->CreateSession(Ort.Env.DangerousGetHandle(), p, sessionOptions.DangerousGetHandle(), &session);
            if (status != 0)
            {
                throw Ort.Fail(status, $"loading the model '{full}' (is it a valid .onnx file?)");
            }
        }

        return new OnnxSession(new OrtSessionSafeHandle(session), full);
    }

    /// <summary>Loads a model from bytes in memory; <paramref name="name"/> names it in messages.</summary>
    public static OnnxSession FromMemory(ReadOnlySpan<byte> model, string name, OnnxSessionOptions? options = null)
    {
        if (model.IsEmpty)
        {
            throw new InvalidDataException($"ONNX model '{name}' is empty (0 bytes).");
        }

        using var sessionOptions = CreateOptions(options ?? OnnxSessionOptions.Default);
        var api = Ort.Api;
        nint session;
        fixed (byte* p = model)
        {
            var status = api->CreateSessionFromArray(Ort.Env.DangerousGetHandle(), p, (nuint)model.Length, sessionOptions.DangerousGetHandle(), &session);
            if (status != 0)
            {
                throw Ort.Fail(status, $"loading the model '{name}' from memory (is it a valid .onnx model?)");
            }
        }

        return new OnnxSession(new OrtSessionSafeHandle(session), name);
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
    public void Dispose() => _handle.Dispose();

    /// <summary>
    /// Runs the model. Value and name arrays are native pointers prepared once by <see cref="OnnxBinding"/>;
    /// null entries in <paramref name="outputs"/> are allocated by ORT and must be released by the caller.
    /// </summary>
    internal void Run(nint runOptions, nint* inputNames, nint* inputs, int inputCount, nint* outputNames, nint* outputs, int outputCount)
    {
        var added = false;
        _handle.DangerousAddRef(ref added);
        try
        {
            var status = Ort.Api->Run(_handle.DangerousGetHandle(), runOptions, inputNames, inputs, (nuint)inputCount, outputNames, (nuint)outputCount, outputs);
            if (status != 0)
            {
                throw Ort.Fail(status, $"running the model '{Source}'");
            }
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    private static OrtSessionOptionsSafeHandle CreateOptions(OnnxSessionOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.IntraOpThreads);
        ArgumentOutOfRangeException.ThrowIfNegative(options.InterOpThreads);
        var api = Ort.Api;
        nint handle;
        Ort.Check(api->CreateSessionOptions(&handle), "creating session options");
        var safe = new OrtSessionOptionsSafeHandle(handle);
        try
        {
            Ort.Check(api->SetIntraOpNumThreads(handle, options.IntraOpThreads), "setting intra-op threads");
            Ort.Check(api->SetInterOpNumThreads(handle, options.InterOpThreads), "setting inter-op threads");
            Ort.Check(api->SetSessionGraphOptimizationLevel(handle, (GraphOptimizationLevel)options.OptimizationLevel), "setting the optimisation level");
            Ort.Check(api->SetSessionLogSeverityLevel(handle, (int)OrtLoggingLevel.Error), "setting the log level");
        }
        catch
        {
            safe.Dispose();
            throw;
        }

        return safe;
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

    private OnnxTensorInfo[] ReadInfos(bool isInput)
    {
        var api = Ort.Api;
        var session = _handle.DangerousGetHandle();
        nuint count;
        Ort.Check(isInput ? api->SessionGetInputCount(session, &count) : api->SessionGetOutputCount(session, &count), "counting model inputs/outputs");
        var infos = new OnnxTensorInfo[(int)count];
        for (nuint i = 0; i < count; i++)
        {
            byte* namePtr;
            Ort.Check(isInput
                ? api->SessionGetInputName(session, i, Ort.DefaultAllocator, &namePtr)
                : api->SessionGetOutputName(session, i, Ort.DefaultAllocator, &namePtr), "reading a model input/output name");
            var name = Ort.TakeString(namePtr);

            nint typeInfo;
            Ort.Check(isInput
                ? api->SessionGetInputTypeInfo(session, i, &typeInfo)
                : api->SessionGetOutputTypeInfo(session, i, &typeInfo), "reading a model input/output type");
            try
            {
                infos[(int)i] = ReadTypeInfo(name, typeInfo);
            }
            finally
            {
                api->ReleaseTypeInfo(typeInfo);
            }
        }

        return infos;
    }

    private static OnnxTensorInfo ReadTypeInfo(string name, nint typeInfo)
    {
        var api = Ort.Api;
        OnnxType onnxType;
        Ort.Check(api->GetOnnxTypeFromTypeInfo(typeInfo, &onnxType), "reading a value type");
        if (onnxType != OnnxType.Tensor)
        {
            return new OnnxTensorInfo(name, OnnxElementType.Undefined, []);
        }

        nint tensorInfo;
        Ort.Check(api->CastTypeInfoToTensorInfo(typeInfo, &tensorInfo), "reading tensor info");
        return ReadTensorInfo(name, tensorInfo);
    }

    internal static OnnxTensorInfo ReadTensorInfo(string name, nint tensorInfo)
    {
        var api = Ort.Api;
        OnnxElementType elementType;
        nuint rank;
        Ort.Check(api->GetTensorElementType(tensorInfo, &elementType), "reading a tensor element type");
        Ort.Check(api->GetDimensionsCount(tensorInfo, &rank), "reading a tensor rank");
        var dims = new long[(int)rank];
        if (rank > 0)
        {
            fixed (long* d = dims)
            {
                Ort.Check(api->GetDimensions(tensorInfo, d, rank), "reading tensor dimensions");
            }
        }

        return new OnnxTensorInfo(name, elementType, dims);
    }

    private (IReadOnlyDictionary<string, string> Map, string Producer, string Graph) ReadMetadata()
    {
        var api = Ort.Api;
        nint metadata;
        Ort.Check(api->SessionGetModelMetadata(_handle.DangerousGetHandle(), &metadata), "reading model metadata");
        try
        {
            byte* producer;
            byte* graph;
            Ort.Check(api->ModelMetadataGetProducerName(metadata, Ort.DefaultAllocator, &producer), "reading the producer name");
            var producerName = Ort.TakeString(producer);
            Ort.Check(api->ModelMetadataGetGraphName(metadata, Ort.DefaultAllocator, &graph), "reading the graph name");
            var graphName = Ort.TakeString(graph);

            byte** keys;
            long keyCount;
            Ort.Check(api->ModelMetadataGetCustomMetadataMapKeys(metadata, Ort.DefaultAllocator, &keys, &keyCount), "reading metadata keys");
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            if (keys != null)
            {
                try
                {
                    for (long i = 0; i < keyCount; i++)
                    {
                        var keyPtr = keys[i];
                        var key = Marshal.PtrToStringUTF8((nint)keyPtr) ?? string.Empty;
                        byte* value;
                        Ort.Check(api->ModelMetadataLookupCustomMetadataMap(metadata, Ort.DefaultAllocator, keyPtr, &value), "reading a metadata value");
                        map[key] = Ort.TakeString(value);
                    }
                }
                finally
                {
                    for (long i = 0; i < keyCount; i++)
                    {
                        Ort.Check(api->AllocatorFree(Ort.DefaultAllocator, keys[i]), "freeing a metadata key");
                    }

                    Ort.Check(api->AllocatorFree(Ort.DefaultAllocator, keys), "freeing metadata keys");
                }
            }

            return (map.ToFrozenDictionary(StringComparer.Ordinal), producerName, graphName);
        }
        finally
        {
            api->ReleaseModelMetadata(metadata);
        }
    }
}
