namespace VoiceAppliance.Pipeline;

/// <summary>The end of a realtime turn.</summary>
/// <param name="Text">The answer's transcript (what the model said).</param>
/// <param name="Audio">The answer audio written to the speaker.</param>
/// <param name="FailureReason">Null when the answer completed; else the short reason (<c>connect_failed</c>, <c>stream_cut</c>, <c>timeout</c>, <c>too_large</c>, <c>malformed_response</c>, <c>server_error</c>, <c>circuit_open</c>, <c>http_401</c>...).</param>
/// <param name="FailureMessage">What happened, for the log (never the key).</param>
public sealed record RealtimeReply(string Text, TimeSpan Audio, string? FailureReason = null, string? FailureMessage = null);
