using VoiceAppliance.Audio.Alsa;

namespace VoiceAppliance.Mqtt;

/// <summary>A <c>say</c> command: text (length-checked), optional voice and volume.</summary>
/// <param name="Text">What to say (1..MaxSayLength characters).</param>
/// <param name="Voice">Voice/speaker name, if given.</param>
/// <param name="Volume">Volume 0..100 for this utterance, if given.</param>
/// <param name="Id">Request id (Hermes <c>id</c>), echoed in sayFinished.</param>
public sealed record SayCommand(string Text, string? Voice = null, int? Volume = null, string? Id = null);
