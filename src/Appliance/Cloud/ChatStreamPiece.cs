namespace VoiceAppliance.Cloud;

/// <summary>A piece of a streamed completion: some text, or (last) the tool calls the model made.</summary>
/// <param name="Text">Text to speak, or null.</param>
/// <param name="ToolCalls">The assembled tool calls (only on the last piece of a round that called tools).</param>
internal sealed record ChatStreamPiece(string? Text, IReadOnlyList<ToolCall>? ToolCalls);
