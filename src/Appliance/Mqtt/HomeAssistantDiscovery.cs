namespace VoiceAppliance.Mqtt;

/// <summary>
/// Builds the Home Assistant device-based discovery message (HA 2024.11+): one retained JSON on
/// <c>&lt;DiscoveryPrefix&gt;/device/&lt;DeviceId&gt;/config</c> with the device, the origin and the components: a
/// state sensor (attributes: the whole state JSON), session and button <c>event</c> entities, a mute <c>switch</c>, a
/// listen <c>button</c>, a say <c>notify</c> and a volume <c>number</c>. Availability comes from
/// <c>&lt;base&gt;/availability</c>. An empty retained payload on the same topic removes the device.
/// </summary>
internal static class HomeAssistantDiscovery
{
    public static DiscoveryMessage Build(MqttOptions options, MqttTopics topics)
    {
        var id = topics.DeviceId;
        var name = string.IsNullOrWhiteSpace(options.DeviceName) ? "Voice appliance " + id : options.DeviceName;
        var version = AppVersion.Informational;
        var components = new Dictionary<string, DiscoveryComponent>(StringComparer.Ordinal)
        {
            [id + "_state"] = new()
            {
                Platform = "sensor",
                UniqueId = id + "_state",
                Name = "State",
                Icon = "mdi:account-voice",
                StateTopic = topics.State,
                ValueTemplate = "{{ value_json.state }}",
                JsonAttributesTopic = topics.State,
            },
            [id + "_session"] = new()
            {
                Platform = "event",
                UniqueId = id + "_session",
                Name = "Session",
                Icon = "mdi:message-processing",
                StateTopic = topics.SessionEvents,
                EventTypes = SessionEventTypes.All,
            },
            [id + "_button"] = new()
            {
                Platform = "event",
                UniqueId = id + "_button",
                Name = "Button",
                Icon = "mdi:gesture-tap-button",
                StateTopic = topics.ButtonEvents,
                EventTypes = ButtonEventTypes.All,
            },
            [id + "_mute"] = new()
            {
                Platform = "switch",
                UniqueId = id + "_mute",
                Name = "Mute",
                Icon = "mdi:microphone-off",
                StateTopic = topics.State,
                CommandTopic = topics.Command("mute/set"),
                ValueTemplate = "{{ 'ON' if value_json.muted else 'OFF' }}",
                PayloadOn = "ON",
                PayloadOff = "OFF",
                StateOn = "ON",
                StateOff = "OFF",
            },
            [id + "_listen"] = new()
            {
                Platform = "button",
                UniqueId = id + "_listen",
                Name = "Listen",
                Icon = "mdi:microphone",
                CommandTopic = topics.Command("listen"),
                PayloadPress = "PRESS",
            },
            [id + "_say"] = new()
            {
                Platform = "notify",
                UniqueId = id + "_say",
                Name = "Say",
                Icon = "mdi:bullhorn",
                CommandTopic = topics.Command("say"),
            },
            [id + "_volume"] = new()
            {
                Platform = "number",
                UniqueId = id + "_volume",
                Name = "Volume",
                Icon = "mdi:volume-high",
                StateTopic = topics.State,
                CommandTopic = topics.Command("volume/set"),
                ValueTemplate = "{{ value_json.volume }}",
                Min = 0,
                Max = 100,
                Step = 1,
                Mode = "slider",
                UnitOfMeasurement = "%",
            },
        };

        return new DiscoveryMessage(
            new DiscoveryDevice(["voice_appliance_" + id], name, "Voice Appliance project", "Voice appliance (" + Native.NativeLibraryLoader.RuntimeId + ")", version),
            new DiscoveryOrigin("voice-appliance", version, null),
            components,
            topics.Availability,
            "online",
            "offline",
            1);
    }
}
