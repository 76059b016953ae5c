using System.Runtime.CompilerServices;
using System.Text;

namespace VoiceAppliance.Cloud;

/// <summary>
/// Reads <c>text/event-stream</c> framing (the WHATWG server-sent events format the chat completions stream uses):
/// <c>data:</c> lines (several join with a newline) make one event, a blank line dispatches it, <c>:</c> lines are
/// comments, other fields are ignored. Yields each event's data; <c>[DONE]</c> ends the stream. A stream that ends
/// without <c>[DONE]</c> ends the enumeration too: the caller decides whether that is complete.
/// </summary>
internal static class ServerSentEvents
{
    /// <summary>Longest event accepted (a bigger one is an error, not an allocation).</summary>
    public const int MaxEventChars = 256 * 1024;

    public static async IAsyncEnumerable<string> ReadAsync(Stream body, string provider, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
        var data = new StringBuilder();
        var hasData = false;
        while (true)
        {
            var line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null)
            {
                if (hasData)
                {
                    // A last event without its blank line: the stream was cut inside it.
                    throw new CloudProviderException("stream_cut", $"{provider}: the event stream ended inside an event");
                }

                yield break;
            }

            if (line.Length == 0)
            {
                if (!hasData)
                {
                    continue;
                }

                var payload = data.ToString();
                data.Clear();
                hasData = false;
                if (payload == "[DONE]")
                {
                    yield return payload;
                    yield break;
                }

                yield return payload;
                continue;
            }

            if (line[0] == ':')
            {
                continue; // comment / keep-alive
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            if (field != "data")
            {
                continue; // event:, id:, retry: carry nothing this client needs
            }

            var value = colon < 0 ? string.Empty : line[(colon + 1)..];
            if (value.StartsWith(' '))
            {
                value = value[1..];
            }

            if (hasData)
            {
                data.Append('\n');
            }

            data.Append(value);
            hasData = true;
            if (data.Length > MaxEventChars)
            {
                throw new CloudProviderException("too_large", $"{provider}: one event is over {MaxEventChars} characters");
            }
        }
    }
}
