using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Models;
using VoiceAppliance.Models.Piper;

namespace VoiceAppliance.Demo;

/// <summary>One scripted command of the demo: what is said and where in the recording the button is pressed.</summary>
/// <param name="Text">What the simulated user says.</param>
/// <param name="TriggerSample">16 kHz sample position of the button tap.</param>
/// <param name="SpeechStart">16 kHz sample where the speech starts.</param>
/// <param name="SpeechEnd">16 kHz sample where the speech ends.</param>
public sealed record ScriptedCommand(string Text, long TriggerSample, long SpeechStart, long SpeechEnd);
