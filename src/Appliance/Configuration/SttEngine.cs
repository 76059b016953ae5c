using VoiceAppliance.Audio.Alsa;

namespace VoiceAppliance.Configuration;

// Sections for areas without their own options record yet (audio devices, model paths, workflow, the
// service), in a first shape with reasonable fields for the lead to reconcile. Each has a section name and
// a Read(ConfigSectionReader) that validates while reading. The pipeline (endpointing, barge-in) and MQTT
// sections belong to VoiceAppliance.Pipeline.PipelineOptions and VoiceAppliance.Mqtt.MqttOptions; they are
// registered here as sections owned elsewhere (see ApplianceConfiguration.AddOwnedElsewhere).

/// <summary>Speech-to-text engine.</summary>
public enum SttEngine
{
    /// <summary>whisper.cpp with a ggml model.</summary>
    Whisper,

    /// <summary>Grammar-constrained recognition (pocketsphinx) of the intents' phrases.</summary>
    Grammar,
}
