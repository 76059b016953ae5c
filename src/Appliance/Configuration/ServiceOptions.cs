using VoiceAppliance.Audio.Alsa;

namespace VoiceAppliance.Configuration;

// Sections for areas without their own options record yet (audio devices, model paths, workflow, the
// service), in a first shape with reasonable fields for the lead to reconcile. Each has a section name and
// a Read(ConfigSectionReader) that validates while reading. The pipeline (endpointing, barge-in) and MQTT
// sections belong to VoiceAppliance.Pipeline.PipelineOptions and VoiceAppliance.Mqtt.MqttOptions; they are
// registered here as sections owned elsewhere (see ApplianceConfiguration.AddOwnedElsewhere).

/// <summary>Section <c>Service</c>: the daemon itself.</summary>
/// <param name="StateDirectory">Writable state (MQTT outbox); systemd's StateDirectory= sets $STATE_DIRECTORY.</param>
/// <param name="LogLevel">Minimum log level.</param>
public sealed record ServiceOptions(string StateDirectory, Microsoft.Extensions.Logging.LogLevel LogLevel)
{
    /// <summary>The section name.</summary>
    public const string SectionName = "Service";

    /// <summary>Reads and validates the section.</summary>
    public static ServiceOptions Read(ConfigSectionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new ServiceOptions(
            r.GetString("StateDirectory", Environment.GetEnvironmentVariable("STATE_DIRECTORY") ?? "/var/lib/appliance"),
            r.GetEnum("LogLevel", Microsoft.Extensions.Logging.LogLevel.Information));
    }
}
