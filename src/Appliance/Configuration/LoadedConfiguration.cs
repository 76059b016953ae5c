namespace VoiceAppliance.Configuration;

/// <summary>The result of loading: every section's options plus every issue found.</summary>
public sealed class LoadedConfiguration
{
    private readonly Dictionary<string, object> _sections;

    private readonly IReadOnlyDictionary<string, string?> _values;

    internal LoadedConfiguration(string path, Dictionary<string, object> sections, IReadOnlyList<ConfigIssue> issues, IReadOnlyDictionary<string, string?> values)
    {
        Path = path;
        _values = values;
        _sections = sections;
        Issues = issues;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>Errors and warnings, in the order found.</summary>
    public IReadOnlyList<ConfigIssue> Issues { get; }

    /// <summary>True when any issue is an error.</summary>
    public bool HasErrors => Issues.Any(i => i.Severity == ConfigSeverity.Error);

    /// <summary>The options of a section (as registered with its reader's type).</summary>
    public T Get<T>(string section)
        where T : class
        => _sections.TryGetValue(section, out var v) && v is T t
            ? t
            : throw new InvalidOperationException($"configuration section '{section}' is not registered as {typeof(T).Name}");

    /// <summary>Section <c>Cloud</c> (<see cref="global::VoiceAppliance.Cloud.CloudOptions.None"/> when absent).</summary>
    public global::VoiceAppliance.Cloud.CloudOptions Cloud => _sections.TryGetValue(global::VoiceAppliance.Cloud.CloudOptions.SectionName, out var c) && c is global::VoiceAppliance.Cloud.CloudOptions cloud ? cloud : global::VoiceAppliance.Cloud.CloudOptions.None;

    /// <summary>Section <c>Gpio</c>.</summary>
    public GpioOptions Gpio => Get<GpioOptions>(GpioOptions.SectionName);

    /// <summary>Section <c>Button</c>.</summary>
    public ButtonOptions Button => Get<ButtonOptions>(ButtonOptions.SectionName);

    /// <summary>Section <c>Leds</c>.</summary>
    public LedOptions Leds => Get<LedOptions>(LedOptions.SectionName);

    /// <summary>Section <c>Audio</c>.</summary>
    public AudioOptions Audio => Get<AudioOptions>(AudioOptions.SectionName);

    /// <summary>Section <c>Models</c>.</summary>
    public ModelsOptions Models => Get<ModelsOptions>(ModelsOptions.SectionName);

    /// <summary>Section <c>Workflow</c>.</summary>
    public WorkflowOptions Workflow => Get<WorkflowOptions>(WorkflowOptions.SectionName);

    /// <summary>Section <c>Pipeline</c>: endpointing, barge-in and timings, as the pipeline's own options.</summary>
    public global::VoiceAppliance.Pipeline.PipelineOptions Pipeline => Get<global::VoiceAppliance.Pipeline.PipelineOptions>(ApplianceConfiguration.PipelineSection);

    /// <summary>Section <c>Mqtt</c>, as the MQTT client's own options.</summary>
    public global::VoiceAppliance.Mqtt.MqttOptions Mqtt => Get<global::VoiceAppliance.Mqtt.MqttOptions>(ApplianceConfiguration.MqttSection);

    /// <summary>The final value of a key after environment overrides (null when absent), e.g. <c>Mqtt:Enabled</c>.</summary>
    public string? Value(string key) => _values.TryGetValue(key, out var v) ? v : null;

    /// <summary>Section <c>Service</c>.</summary>
    public ServiceOptions Service => Get<ServiceOptions>(ServiceOptions.SectionName);

    /// <summary>Throws <see cref="ConfigurationException"/> listing every error when there is any (exit code 78).</summary>
    public void ThrowIfInvalid()
    {
        if (HasErrors)
        {
            var errors = Issues.Where(i => i.Severity == ConfigSeverity.Error).ToList();
            throw new ConfigurationException($"{Path}: {errors.Count} configuration error(s):{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", errors)}", Issues);
        }
    }
}
