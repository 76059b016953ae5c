using System.Globalization;
using System.IO.MemoryMappedFiles;

namespace VoiceAppliance.Models.Onnx;

/// <summary>
/// A structural check of an ONNX file before ONNX Runtime parses it: the protobuf framing of the <c>ModelProto</c>
/// (every field's tag, wire type and length inside its parent), an <c>ir_version</c>, exactly one <c>graph</c> with at
/// least one output, and the framing of every node and initializer in it with each node naming its operator. It walks
/// the file through a read-only memory map without copying: length-delimited payloads such as weights are skipped,
/// never read, so the check costs microseconds per node whatever the file claims. A truncated download, an empty or
/// HTML file and most damage to the structure fail here with the byte offset; damage inside weights is not seen (ORT
/// loads such a model and it produces wrong numbers, which no file check can tell).
/// </summary>
public static class OnnxModelCheck
{
    /// <summary>Protobuf's own limit for one message; ONNX files over it keep their weights outside (external data).</summary>
    public const long MaxModelBytes = int.MaxValue;

    // onnx.proto field numbers.
    private const int ModelIrVersion = 1;
    private const int ModelGraph = 7;
    private const int GraphNode = 1;
    private const int GraphInitializer = 5;
    private const int GraphOutput = 12;
    private const int NodeOpType = 4;

    /// <summary>Checks the file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not an ONNX model; the message names the file, the problem, its offset and the fix.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static unsafe void CheckFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);

        // Through the file itself: a symbolic link's FileInfo.Length is the link's own size.
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        var length = file.Length;
        if (length == 0)
        {
            throw Fail(path, "the file is empty (0 bytes)", 0);
        }

        if (length > MaxModelBytes)
        {
            throw Fail(path, $"the file is {length} bytes, over protobuf's 2 GiB limit for one model", 0);
        }

        using var map = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        using var view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        try
        {
            Check(new ReadOnlySpan<byte>(pointer + view.PointerOffset, (int)length), path);
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    /// <summary>Checks a model in memory; <paramref name="name"/> names it in the message.</summary>
    /// <exception cref="InvalidDataException">The bytes are not an ONNX model.</exception>
    public static void Check(ReadOnlySpan<byte> model, string name)
    {
        if (model.IsEmpty)
        {
            throw Fail(name, "the model is empty (0 bytes)", 0);
        }

        var irVersion = false;
        var graphs = 0;
        var reader = new Reader(model, 0, name);
        while (reader.Next(out var field, out var wireType, out var payload, out var payloadOffset))
        {
            if (field == ModelIrVersion && wireType == 0)
            {
                irVersion = true;
            }
            else if (field == ModelGraph && wireType == 2)
            {
                graphs++;
                CheckGraph(payload, payloadOffset, name);
            }
        }

        if (!irVersion)
        {
            throw Fail(name, "no ir_version: this is not an ONNX ModelProto", 0);
        }

        if (graphs != 1)
        {
            throw Fail(name, graphs == 0 ? "no graph: this is not an ONNX model" : $"{graphs} graphs where a model has one", 0);
        }
    }

    private static void CheckGraph(ReadOnlySpan<byte> graph, long origin, string name)
    {
        var outputs = 0;
        var reader = new Reader(graph, origin, name);
        while (reader.Next(out var field, out var wireType, out var payload, out var payloadOffset))
        {
            if (wireType != 2)
            {
                continue;
            }

            switch (field)
            {
                case GraphNode:
                    CheckNode(payload, payloadOffset, name);
                    break;
                case GraphInitializer:
                    // A TensorProto: its framing must hold (its raw data is skipped, not read).
                    var tensor = new Reader(payload, payloadOffset, name);
                    while (tensor.Next(out _, out _, out _, out _))
                    {
                    }

                    break;
                case GraphOutput:
                    outputs++;
                    break;
            }
        }

        if (outputs == 0)
        {
            throw Fail(name, "the graph has no outputs", origin);
        }
    }

    private static void CheckNode(ReadOnlySpan<byte> node, long origin, string name)
    {
        var opType = false;
        var reader = new Reader(node, origin, name);
        while (reader.Next(out var field, out var wireType, out var payload, out _))
        {
            opType |= field == NodeOpType && wireType == 2 && !payload.IsEmpty;
        }

        if (!opType)
        {
            throw Fail(name, "a node without an operator type", origin);
        }
    }

    private static InvalidDataException Fail(string name, string problem, long offset) =>
        new(string.Create(CultureInfo.InvariantCulture, $"ONNX model '{name}' is damaged or not a model: {problem} (at byte {offset}). Fix: fetch it again (`appliance models fetch`, or eng/provision.sh in a checkout) or point the configuration at a valid .onnx file."));

    /// <summary>Walks the fields of one protobuf message, checking each against the message's end.</summary>
    private ref struct Reader(ReadOnlySpan<byte> message, long origin, string name)
    {
        private readonly ReadOnlySpan<byte> _message = message;
        private int _position;

        public bool Next(out int field, out int wireType, out ReadOnlySpan<byte> payload, out long payloadOffset)
        {
            payload = default;
            payloadOffset = 0;
            field = 0;
            wireType = 0;
            if (_position >= _message.Length)
            {
                return false;
            }

            var at = origin + _position;
            var tag = ReadVarint(at);
            wireType = (int)(tag & 7);
            var number = tag >> 3;
            if (number is 0 or > 536_870_911)
            {
                throw Fail(name, $"field number {number} is not valid protobuf", at);
            }

            field = (int)number;
            switch (wireType)
            {
                case 0:
                    _ = ReadVarint(at);
                    break;
                case 1:
                    Skip(8, at);
                    break;
                case 5:
                    Skip(4, at);
                    break;
                case 2:
                    var length = ReadVarint(at);
                    if (length > (ulong)(_message.Length - _position))
                    {
                        throw Fail(name, $"field {field} claims {length} bytes where {_message.Length - _position} remain (a truncated or damaged file)", at);
                    }

                    payloadOffset = origin + _position;
                    payload = _message.Slice(_position, (int)length);
                    _position += (int)length;
                    break;
                default:
                    throw Fail(name, $"field {field} has wire type {wireType}, which ONNX does not use", at);
            }

            return true;
        }

        private ulong ReadVarint(long at)
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (_position >= _message.Length)
                {
                    throw Fail(name, "a number runs past the end of its message (a truncated or damaged file)", at);
                }

                var b = _message[_position++];
                value |= (ulong)(b & 0x7f) << shift;
                if ((b & 0x80) == 0)
                {
                    return value;
                }
            }

            throw Fail(name, "a number longer than 10 bytes (a damaged file)", at);
        }

        private void Skip(int count, long at)
        {
            if (_message.Length - _position < count)
            {
                throw Fail(name, "a fixed-size field runs past the end of its message (a truncated or damaged file)", at);
            }

            _position += count;
        }
    }
}
