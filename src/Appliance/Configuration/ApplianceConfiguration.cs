namespace VoiceAppliance.Configuration;

/// <summary>
/// Loads the one JSON configuration file with environment overrides and reads every registered section.
/// Each area plugs its options in with <see cref="Add{T}"/> (section name + a validating reader); the built-in
/// sections are registered by <see cref="CreateDefault"/>. AOT-safe: no reflection binding.
/// </summary>
public sealed class ApplianceConfiguration
{
    /// <summary>Where the daemon looks without <c>--config</c>.</summary>
    public const string DefaultPath = "/etc/appliance/appliance.json";

    /// <summary>Environment variable naming the file when no flag is given.</summary>
    public const string PathVariable = "APPLIANCE_CONFIG";

    private readonly List<(string Name, Func<ConfigSectionReader, object> Read)> _sections = [];

    /// <summary>Section of the voice pipeline (endpointing, barge-in): VoiceAppliance.Pipeline.PipelineOptions.</summary>
    public const string PipelineSection = "Pipeline";

    /// <summary>Section of MQTT: VoiceAppliance.Mqtt.MqttOptions.</summary>
    public const string MqttSection = "Mqtt";

    /// <summary>
    /// A loader with every built-in section (Gpio, Button, Leds, Audio, Models, Workflow, Service), plus
    /// Pipeline and Mqtt as sections owned elsewhere until their readers are registered with <see cref="Add{T}"/>.
    /// </summary>
    public static ApplianceConfiguration CreateDefault() => new ApplianceConfiguration()
        .Add(GpioOptions.SectionName, GpioOptions.Read)
        .Add(ButtonOptions.SectionName, ButtonOptions.Read)
        .Add(LedOptions.SectionName, LedOptions.Read)
        .Add(AudioOptions.SectionName, AudioOptions.Read)
        .Add(ModelsOptions.SectionName, ModelsOptions.Read)
        .Add(WorkflowOptions.SectionName, WorkflowOptions.Read)
        .Add(ServiceOptions.SectionName, ServiceOptions.Read)
        .Add(global::VoiceAppliance.Cloud.CloudOptions.SectionName, global::VoiceAppliance.Cloud.CloudOptions.Read)
        .AddPipelineAndMqtt();

    /// <summary>
    /// Declares a section whose keys another component reads (so they are not warned as unknown) until its
    /// reader is registered with <see cref="Add{T}"/>, which replaces this placeholder.
    /// </summary>
    public ApplianceConfiguration AddOwnedElsewhere(string section)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(section);
        _sections.RemoveAll(s => string.Equals(s.Name, section, StringComparison.OrdinalIgnoreCase));
        _sections.Add((section, r =>
        {
            r.AcceptAllKeys();
            return r;
        }));
        return this;
    }

    /// <summary>
    /// Registers a section whose options type validates itself (returns error messages, each naming its key),
    /// e.g. <c>MqttOptions.Validate()</c>: the messages become <see cref="ConfigSeverity.Error"/> issues.
    /// </summary>
    public ApplianceConfiguration AddValidated<T>(string section, Func<ConfigSectionReader, T> read, Func<T, IEnumerable<string>> validate)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(validate);
        return Add(section, r =>
        {
            var options = read(r);
            foreach (var message in validate(options))
            {
                r.Error(string.Empty, message);
            }

            return options;
        });
    }

    /// <summary>Registers (or replaces) a section and its reader.</summary>
    public ApplianceConfiguration Add<T>(string section, Func<ConfigSectionReader, T> read)
        where T : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(section);
        ArgumentNullException.ThrowIfNull(read);
        _sections.RemoveAll(s => string.Equals(s.Name, section, StringComparison.OrdinalIgnoreCase));
        _sections.Add((section, r => read(r)));
        return this;
    }

    /// <summary>The section names registered.</summary>
    public IReadOnlyList<string> SectionNames => _sections.Select(s => s.Name).ToList();

    /// <summary>
    /// The file to use: <paramref name="flag"/> when given, else <c>$APPLIANCE_CONFIG</c>, else <see cref="DefaultPath"/>.
    /// </summary>
    public static string ResolvePath(string? flag, IReadOnlyDictionary<string, string?>? environment = null)
    {
        if (!string.IsNullOrWhiteSpace(flag))
        {
            return flag;
        }

        string? fromEnv = null;
        if (environment is not null)
        {
            environment.TryGetValue(PathVariable, out fromEnv);
        }
        else
        {
            fromEnv = Environment.GetEnvironmentVariable(PathVariable);
        }

        return string.IsNullOrWhiteSpace(fromEnv) ? DefaultPath : fromEnv;
    }

    /// <summary>Loads and validates; never throws for bad content (see <see cref="LoadedConfiguration.Issues"/>).</summary>
    public LoadedConfiguration Load(string path, IReadOnlyDictionary<string, string?>? environment = null) => Read(ConfigSource.Load(path, environment));

    /// <summary>Validates JSON text (tests, tools).</summary>
    public LoadedConfiguration LoadJson(string json, IReadOnlyDictionary<string, string?>? environment = null) => Read(ConfigSource.FromJson(json, "(inline)", environment));

    private LoadedConfiguration Read(ConfigSource source)
    {
        var values = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, read) in _sections)
        {
            values[name] = read(source.Section(name));
        }

        source.ReportUnknownKeys(SectionNames);
        return new LoadedConfiguration(source.Origin, values, source.Issues, source.Values);
    }
}
