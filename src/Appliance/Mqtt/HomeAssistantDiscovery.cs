namespace VoiceAppliance.Mqtt;

/// <summary>
/// Builds the Home Assistant device-based discovery message (HA 2024.11+): one retained JSON on
/// <c>&lt;DiscoveryPrefix&gt;/device/&lt;DeviceId&gt;/config</c> with the device, the origin and the components: a
/// state sensor (attributes: the whole state JSON), session and button <c>event</c> entities, a mute <c>switch</c>, a
/// listen <c>button</c>, a say <c>notify</c>, a volume <c>number</c> and an error <c>event</c> (the last refused
/// command or undelivered report, all its fields as attributes). Availability comes from <c>&lt;base&gt;/availability</c>.
/// An empty retained payload on the same topic removes the device; an entity a release dropped is listed in
/// <see cref="Retired"/> and announced as <c>{"p":"&lt;platform&gt;"}</c>, which removes just that entity.
/// </summary>
internal static class HomeAssistantDiscovery
{
    /// <summary>The <c>event_type</c>s of <c>&lt;base&gt;/error</c>.</summary>
    public static readonly IReadOnlyList<string> ErrorEventTypes = ["bad_input", "command_failed", "refused", "expired", "evicted"];

    /// <summary>
    /// Entities earlier releases announced and this one does not: (key suffix after <c>&lt;DeviceId&gt;_</c>, platform).
    /// Keep an entry for a few releases after dropping an entity, so every installed device removes it.
    /// </summary>
    public static readonly IReadOnlyList<(string Suffix, string Platform)> Retired = [];

    public static DiscoveryMessage Build(MqttOptions options, MqttTopics topics, IReadOnlyList<(string Suffix, string Platform)>? retired = null)
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
            [id + "_error"] = new()
            {
                Platform = "event",
                UniqueId = id + "_error",
                Name = "Error",
                Icon = "mdi:alert-circle-outline",
                StateTopic = topics.Error,
                EventTypes = ErrorEventTypes,
                EntityCategory = "diagnostic",
            },
        };
        foreach (var (suffix, platform) in retired ?? Retired)
        {
            components.TryAdd(id + "_" + suffix, new DiscoveryComponent { Platform = platform });
        }

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
