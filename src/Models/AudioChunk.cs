namespace VoiceAppliance.Models;

/// <summary>A chunk of synthesized mono audio and the sentence it belongs to.</summary>
/// <param name="Samples">Mono float samples in [-1, 1].</param>
/// <param name="SampleRate">Sample rate of <paramref name="Samples"/>.</param>
/// <param name="SentenceIndex">Zero-based index of the sentence within the request.</param>
/// <param name="Text">The sentence text.</param>
public sealed record AudioChunk(ReadOnlyMemory<float> Samples, int SampleRate, int SentenceIndex, string Text);
