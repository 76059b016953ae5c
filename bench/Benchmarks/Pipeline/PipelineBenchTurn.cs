using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Benchmarks.Pipeline;

/// <summary>One turn of a scripted pipeline run.</summary>
/// <param name="Command">Index of the scripted command whose audio was playing when the session started.</param>
/// <param name="Transcript">The turn's transcript (null when nothing was understood).</param>
/// <param name="Metrics">The turn's figures.</param>
public sealed record PipelineBenchTurn(int Command, string? Transcript, TurnMetrics Metrics);
