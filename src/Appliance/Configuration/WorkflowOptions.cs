using VoiceAppliance.Audio.Alsa;

namespace VoiceAppliance.Configuration;

// Sections for areas without their own options record yet (audio devices, model paths, workflow, the
// service), in a first shape with reasonable fields for the lead to reconcile. Each has a section name and
// a Read(ConfigSectionReader) that validates while reading. The pipeline (endpointing, barge-in) and MQTT
// sections belong to VoiceAppliance.Pipeline.PipelineOptions and VoiceAppliance.Mqtt.MqttOptions; they are
// registered here as sections owned elsewhere (see ApplianceConfiguration.AddOwnedElsewhere).

/// <summary>Section <c>Workflow</c>.</summary>
/// <param name="Kind">The workflow.</param>
/// <param name="IntentsFile">Intents file for <see cref="WorkflowKind.Intents"/> (default /etc/appliance/intents.json).</param>
/// <param name="ReplyTimeout">How long to wait for a reply (MQTT) before saying so.</param>
/// <param name="Greeting">Said when a session starts (empty: a tone or nothing).</param>
public sealed record WorkflowOptions(WorkflowKind Kind, string IntentsFile, TimeSpan ReplyTimeout, string Greeting)
{
    /// <summary>The section name.</summary>
    public const string SectionName = "Workflow";

    /// <summary>Longest greeting (the same bound as an MQTT <c>say</c>).</summary>
    public const int MaxGreetingLength = 1000;

    /// <summary>Reads and validates the section.</summary>
    public static WorkflowOptions Read(ConfigSectionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var kind = r.GetEnum("Kind", WorkflowKind.Intents);
        var intents = r.GetString("IntentsFile", "/etc/appliance/intents.json");
        return new WorkflowOptions(
            kind,
            intents,
            TimeSpan.FromSeconds(r.GetInt("ReplyTimeoutSeconds", 10, 1, 300)),
            r.GetString("Greeting", string.Empty, allowEmpty: true, maxLength: MaxGreetingLength));
    }
}
