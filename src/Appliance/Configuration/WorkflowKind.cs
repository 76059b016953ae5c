using VoiceAppliance.Audio.Alsa;

namespace VoiceAppliance.Configuration;

// Sections for areas without their own options record yet (audio devices, model paths, workflow, the
// service), in a first shape with reasonable fields for the lead to reconcile. Each has a section name and
// a Read(ConfigSectionReader) that validates while reading. The pipeline (endpointing, barge-in) and MQTT
// sections belong to VoiceAppliance.Pipeline.PipelineOptions and VoiceAppliance.Mqtt.MqttOptions; they are
// registered here as sections owned elsewhere (see ApplianceConfiguration.AddOwnedElsewhere).

/// <summary>What turns a transcript into a reply.</summary>
public enum WorkflowKind
{
    /// <summary>Local intents file (phrases -> actions and replies).</summary>
    Intents,

    /// <summary>Publish the transcript over MQTT and speak what comes back (Home Assistant, Node-RED).</summary>
    Mqtt,

    /// <summary>Say the transcript back (tests and demos).</summary>
    Echo,

    /// <summary>An OpenAI-compatible assistant (<c>Cloud:Llm</c>) with the intents as its tools; the intents answer when it cannot be reached.</summary>
    Llm,

    /// <summary>The local intents first (a matching utterance never leaves the device), the assistant (<c>Cloud:Llm</c>) for the rest.</summary>
    IntentsThenLlm,
}
