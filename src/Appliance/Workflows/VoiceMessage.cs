using System.Globalization;
using System.Runtime.CompilerServices;
using VoiceAppliance.Audio.Alsa;

namespace VoiceAppliance.Workflows;

/// <summary>A recorded voice message.</summary>
/// <param name="Samples">The utterance, mono.</param>
/// <param name="SampleRate">Its sample rate.</param>
/// <param name="Transcript">What the speech-to-text engine heard.</param>
/// <param name="SessionId">The session that recorded it.</param>
/// <param name="RecordedAt">When.</param>
public sealed record VoiceMessage(float[] Samples, int SampleRate, string Transcript, string SessionId, DateTimeOffset RecordedAt);
