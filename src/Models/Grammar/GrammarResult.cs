using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VoiceAppliance.Native;

namespace VoiceAppliance.Models.Grammar;

/// <summary>What the grammar recogniser made of one utterance.</summary>
/// <param name="Text">The best command sentence in the grammar (empty when nothing matched).</param>
/// <param name="Confidence">
/// How well the command explains the audio compared with free phone decoding, in [0, 1]: the exponential of
/// the mean log-likelihood ratio per frame of command words (1 = as well as any phone sequence).
/// </param>
/// <param name="Accepted">
/// Whether the text matched, the confidence times <paramref name="DurationFactor"/> reached
/// <see cref="GrammarOptions.RejectionThreshold"/> and no more than <see cref="GrammarOptions.MaxUnexplainedSpeech"/>
/// of the speech lies outside the command's words.
/// </param>
/// <param name="Start">Start of the first word.</param>
/// <param name="End">End of the last word.</param>
/// <param name="UnexplainedSpeech">Share in [0, 1] of the speech (as free phone decoding hears it) outside the command's words.</param>
/// <param name="LastWordStart">Start of the last word (zero when nothing matched).</param>
/// <param name="DurationFactor">
/// How evenly the command's words fill their alignment, as a factor on the confidence for the threshold: 1 for a
/// typical command, up to 1.76 for an even one, below 1 for words squeezed and stretched as speech forced onto a command
/// makes them (1 with fewer than three words).
/// </param>
public sealed record GrammarResult(string Text, float Confidence, bool Accepted, TimeSpan Start, TimeSpan End, float UnexplainedSpeech = 0f, TimeSpan LastWordStart = default, float DurationFactor = 1f);
