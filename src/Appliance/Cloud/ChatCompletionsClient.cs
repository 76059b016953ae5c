using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace VoiceAppliance.Cloud;

/// <summary>
/// <c>POST {base}/chat/completions</c> with <c>stream: true</c>: streams the answer's text as it arrives and
/// assembles the tool calls from their fragments. Every failure is a <see cref="CloudProviderException"/>.
/// </summary>
internal sealed class ChatCompletionsClient(CloudEndpoint endpoint)
{
    /// <summary>Most tool calls accepted in one round.</summary>
    public const int MaxToolCalls = 8;

    /// <summary>Longest arguments text of one tool call.</summary>
    public const int MaxArgumentChars = 16 * 1024;

    public CloudEndpoint Endpoint => endpoint;

    /// <summary>The request body, as sent.</summary>
    public static byte[] BuildBody(string model, List<ChatMessage> messages, List<ToolDefinition>? tools, bool toolsAllowed)
    {
        var request = new ChatRequest
        {
            Model = model,
            Messages = messages,
            Stream = true,
            Tools = tools is { Count: > 0 } ? tools : null,
            ToolChoice = tools is { Count: > 0 } ? (toolsAllowed ? "auto" : "none") : null,
        };
        return JsonSerializer.SerializeToUtf8Bytes(request, CloudJsonContext.Default.ChatRequest);
    }

    public async IAsyncEnumerable<ChatStreamPiece> StreamAsync(List<ChatMessage> messages, List<ToolDefinition>? tools, bool toolsAllowed, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var body = BuildBody(endpoint.Options.Model, messages, tools, toolsAllowed);
        var name = endpoint.Name;
        using var response = await endpoint.PostAsync("chat/completions", () => Json(body), cancellationToken).ConfigureAwait(false);
        var stream = await response.OpenBodyAsync().ConfigureAwait(false);
        var calls = new List<(string Id, StringBuilder Name, StringBuilder Arguments)>();
        string? finish = null;
        var done = false;
        await foreach (var data in ServerSentEvents.ReadAsync(stream, name, response.Token).ConfigureAwait(false))
        {
            if (data == "[DONE]")
            {
                done = true;
                break;
            }

            ChatChunk? chunk;
            try
            {
                chunk = JsonSerializer.Deserialize(data, CloudJsonContext.Default.ChatChunk);
            }
            catch (JsonException ex)
            {
                throw new CloudProviderException("malformed_response", $"{name}: an event is not valid JSON ({ex.Message}): {Start(data)}", ex);
            }

            if (chunk?.Error is { } error)
            {
                throw new CloudProviderException("server_error", $"{name}: the stream reported an error: {endpoint.Redact(error.Message ?? error.Type ?? "(no message)")}");
            }

            if (chunk?.Choices is not { Count: > 0 } choices)
            {
                continue; // usage-only or keep-alive chunks
            }

            var choice = choices[0];
            finish ??= choice.FinishReason;
            if (choice.Delta is not { } delta)
            {
                continue;
            }

            if (delta.ToolCalls is { } fragments)
            {
                foreach (var f in fragments)
                {
                    if (f.Index < 0 || f.Index >= MaxToolCalls)
                    {
                        throw new CloudProviderException("bad_tool_call", $"{name}: tool call index {f.Index} is outside 0-{MaxToolCalls - 1}");
                    }

                    while (calls.Count <= f.Index)
                    {
                        calls.Add((string.Empty, new StringBuilder(), new StringBuilder()));
                    }

                    var call = calls[f.Index];
                    if (!string.IsNullOrEmpty(f.Id))
                    {
                        calls[f.Index] = call = (f.Id, call.Name, call.Arguments);
                    }

                    call.Name.Append(f.Function?.Name);
                    call.Arguments.Append(f.Function?.Arguments);
                    if (call.Arguments.Length > MaxArgumentChars || call.Name.Length > 64)
                    {
                        throw new CloudProviderException("bad_tool_call", $"{name}: a tool call's name or arguments are too long");
                    }
                }
            }

            if (!string.IsNullOrEmpty(delta.Content))
            {
                yield return new ChatStreamPiece(delta.Content, null);
            }
        }

        if (!done && finish is null)
        {
            throw new CloudProviderException("stream_cut", $"{name}: the event stream ended before data: [DONE]");
        }

        if (calls.Count > 0)
        {
            var result = new List<ToolCall>(calls.Count);
            for (var i = 0; i < calls.Count; i++)
            {
                var (id, callName, arguments) = calls[i];
                result.Add(new ToolCall
                {
                    Id = id.Length > 0 ? id : "call_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Function = new FunctionCall { Name = callName.ToString(), Arguments = arguments.ToString() },
                });
            }

            yield return new ChatStreamPiece(null, result);
        }
    }

    private static ByteArrayContent Json(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    private static string Start(string data) => data.Length > 80 ? data[..80] + "..." : data;
}
