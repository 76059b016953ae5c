using VoiceAppliance.Mqtt;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Configuration;

/// <summary>
/// Readers for the sections other areas own: <c>Pipeline</c> (<see cref="PipelineOptions"/>: endpointing and
/// barge-in) and <c>Mqtt</c> (<see cref="MqttOptions"/>). Durations are written in the file as
/// <c>...Ms</c> / <c>...Seconds</c> numbers; each record's own validation runs after reading and its
/// messages become configuration errors.
/// </summary>
public static class OwnedSections
{
    /// <summary>Replaces the Pipeline and Mqtt placeholders of <paramref name="configuration"/> with these readers.</summary>
    public static ApplianceConfiguration AddPipelineAndMqtt(this ApplianceConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration
            .AddValidated(ApplianceConfiguration.PipelineSection, ReadPipeline, ValidatePipeline)
            .AddValidated(ApplianceConfiguration.MqttSection, ReadMqtt, o => o.Validate());
    }

    /// <summary>Section <c>Pipeline</c>.</summary>
    public static PipelineOptions ReadPipeline(ConfigSectionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var e = r.Section("Endpointing");
        var preset = EndpointingOptions.FromPreset(e.GetEnum("Preset", EndpointingPreset.Default));
        var endpointing = preset with
        {
            SilenceToEnd = e.GetMilliseconds("SilenceToEndMs", preset.SilenceToEnd, TimeSpan.FromMilliseconds(32), TimeSpan.FromSeconds(10)),
            MinSpeech = e.GetMilliseconds("MinSpeechMs", preset.MinSpeech, TimeSpan.Zero, TimeSpan.FromSeconds(5)),
            PrefixPadding = e.GetMilliseconds("PrefixPaddingMs", preset.PrefixPadding, TimeSpan.Zero, TimeSpan.FromSeconds(2)),
            MaxUtterance = TimeSpan.FromSeconds(e.GetDouble("MaxUtteranceSeconds", preset.MaxUtterance.TotalSeconds, 1, 60)),
            NoSpeechTimeout = TimeSpan.FromSeconds(e.GetDouble("NoSpeechTimeoutSeconds", preset.NoSpeechTimeout.TotalSeconds, 0.5, 120)),
            SpeechThreshold = (float)e.GetDouble("SpeechThreshold", preset.SpeechThreshold, 0.01, 0.99),
            SilenceThreshold = (float)e.GetDouble("SilenceThreshold", preset.SilenceThreshold, 0.01, 0.99),
        };
        var b = r.Section("BargeIn");
        var d = new BargeInOptions();
        var bargeIn = new BargeInOptions
        {
            Mode = b.GetEnum("Mode", d.Mode),
            EchoCancelled = b.GetBool("EchoCancelled", d.EchoCancelled),
            ConfirmSpeech = b.GetMilliseconds("ConfirmSpeechMs", d.ConfirmSpeech, TimeSpan.FromMilliseconds(32), TimeSpan.FromSeconds(3)),
            FadeDuration = b.GetMilliseconds("FadeDurationMs", d.FadeDuration, TimeSpan.Zero, TimeSpan.FromSeconds(2)),
            ResumeWindow = b.GetMilliseconds("ResumeWindowMs", d.ResumeWindow, TimeSpan.FromMilliseconds(32), TimeSpan.FromSeconds(5)),
        };
        var x = r.Section("EarlyEndpoint");
        var xd = new EarlyEndpointOptions();
        var early = new EarlyEndpointOptions
        {
            Enabled = x.GetBool("Enabled", xd.Enabled),
            Pause = x.GetMilliseconds("PauseMs", xd.Pause, TimeSpan.FromMilliseconds(32), TimeSpan.FromSeconds(5)),
            MinConfidence = (float)x.GetDouble("MinConfidence", xd.MinConfidence, 0, 1),
            UnfinishedSilence = x.GetMilliseconds("UnfinishedSilenceMs", xd.UnfinishedSilence, TimeSpan.Zero, TimeSpan.FromSeconds(5)),
            ContinuableSilence = x.GetMilliseconds("ContinuableSilenceMs", xd.ContinuableSilence, TimeSpan.Zero, TimeSpan.FromSeconds(5)),
        };
        var sp = r.Section("Speculation");
        var spd = new SpeculationOptions();
        var speculation = new SpeculationOptions
        {
            Incremental = sp.GetEnum("Incremental", spd.Incremental),
            CommitAfter = sp.GetMilliseconds("CommitAfterMs", spd.CommitAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20)),
            Overlap = sp.GetMilliseconds("OverlapMs", spd.Overlap, TimeSpan.Zero, TimeSpan.FromSeconds(2)),
            BackgroundThreads = sp.GetInt("BackgroundThreads", spd.BackgroundThreads, 0, 64),
        };
        var p = new PipelineOptions();
        return new PipelineOptions
        {
            Endpointing = endpointing,
            BargeIn = bargeIn,
            EarlyEndpoint = early,
            Speculation = speculation,
            WakeWord = ReadWakeWord(r.Section("WakeWord")),
            WatchdogTimeout = TimeSpan.FromSeconds(r.GetDouble("WatchdogTimeoutSeconds", p.WatchdogTimeout.TotalSeconds, 1, 600)),
            FollowUpTimeout = TimeSpan.FromSeconds(r.GetDouble("FollowUpTimeoutSeconds", p.FollowUpTimeout.TotalSeconds, 0.5, 120)),
            CaptureRetryDelay = r.GetMilliseconds("CaptureRetryDelayMs", p.CaptureRetryDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(30)),
        };
    }

    /// <summary>
    /// Section <c>Pipeline:WakeWord</c>: <c>Enabled</c>, <c>RefractoryMs</c>, <c>WordTailMs</c>, <c>VadGate</c>,
    /// <c>GateCatchUpMs</c>, <c>FineHop</c>, <c>FineHopFrom</c>, <c>ResetFromRoom</c> and <c>Words</c>, a list of <c>{ "Model", "Threshold", "Patience", "Action", "Event" }</c>.
    /// </summary>
    private static WakeWordOptions ReadWakeWord(ConfigSectionReader w)
    {
        var d = new WakeWordOptions();
        var words = d.Words;
        var names = w.ChildNames("Words");
        if (names.Count > 0)
        {
            var list = new List<WakeWordEntry>();
            var indexed = names.Select(n => (Index: int.TryParse(n, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i) ? i : -1, Name: n)).ToList();
            if (indexed.Any(n => n.Index < 0))
            {
                w.Error("Words", "must be a list of words, e.g. [{ \"Model\": \"hey_jarvis\", \"Threshold\": 0.5 }].");
            }
            else
            {
                foreach (var (_, name) in indexed.OrderBy(n => n.Index))
                {
                    var e = w.Section("Words").Section(name);
                    var entry = new WakeWordEntry { Model = e.GetString("Model", string.Empty, allowEmpty: true) };
                    list.Add(entry with
                    {
                        Threshold = e.Has("Threshold") ? (float)e.GetDouble("Threshold", 0.5, 0.001, 1) : null,
                        Patience = e.Has("Patience") ? e.GetInt("Patience", 1, 1, Models.WakeWord.WakeWordTarget.MaxPatience) : null,
                        Action = e.GetEnum("Action", entry.Action),
                        Event = e.GetOptionalString("Event"),
                    });
                }

                words = list;
            }
        }

        return new WakeWordOptions
        {
            Enabled = w.GetBool("Enabled", d.Enabled),
            Words = words,
            Refractory = w.GetMilliseconds("RefractoryMs", d.Refractory, TimeSpan.Zero, TimeSpan.FromSeconds(60)),
            WordTail = w.GetMilliseconds("WordTailMs", d.WordTail, TimeSpan.Zero, TimeSpan.FromMilliseconds(1500)),
            VadGate = w.GetBool("VadGate", d.VadGate),
            GateCatchUp = w.GetMilliseconds("GateCatchUpMs", d.GateCatchUp, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5)),
            FineHop = w.GetBool("FineHop", d.FineHop),
            FineHopFrom = (float)w.GetDouble("FineHopFrom", d.FineHopFrom, 0, 1),
            ResetFromRoom = w.GetBool("ResetFromRoom", d.ResetFromRoom),
        };
    }

    private static IEnumerable<string> ValidatePipeline(PipelineOptions options)
    {
        try
        {
            options.Validate();
            return [];
        }
        catch (ArgumentException ex)
        {
            return ex.Message.Split(Environment.NewLine).Skip(1).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        }
    }

    /// <summary>Section <c>Mqtt</c> (keys are <see cref="MqttOptions"/>' property names).</summary>
    public static MqttOptions ReadMqtt(ConfigSectionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var d = new MqttOptions();
        var o = new MqttOptions
        {
            Enabled = r.GetBool("Enabled", d.Enabled),
            Host = r.GetString("Host", d.Host),
            Port = r.GetInt("Port", d.Port, 1, 65535),
            ProtocolVersion = r.GetString("ProtocolVersion", d.ProtocolVersion),
            ClientId = r.GetOptionalString("ClientId"),
            DeviceId = r.GetOptionalString("DeviceId"),
            DeviceName = r.GetOptionalString("DeviceName"),
            TopicPrefix = r.GetString("TopicPrefix", d.TopicPrefix),
            KeepAliveSeconds = r.GetInt("KeepAliveSeconds", d.KeepAliveSeconds, 5, 3600),
            CleanSession = r.GetBool("CleanSession", d.CleanSession),
            SessionExpirySeconds = (uint)r.GetInt("SessionExpirySeconds", (int)d.SessionExpirySeconds, 0, int.MaxValue),
            Username = r.GetOptionalString("Username"),
            PasswordFile = r.GetOptionalString("PasswordFile"),
            PasswordEnvironmentVariable = r.GetOptionalString("PasswordEnvironmentVariable"),
            Tls = r.GetBool("Tls", d.Tls),
            TlsCaFile = r.GetOptionalString("TlsCaFile"),
            TlsCertFile = r.GetOptionalString("TlsCertFile"),
            TlsKeyFile = r.GetOptionalString("TlsKeyFile"),
            TlsInsecure = r.GetBool("TlsInsecure", d.TlsInsecure),
            ReconnectInitialDelay = r.GetMilliseconds("ReconnectInitialDelayMs", d.ReconnectInitialDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10)),
            ReconnectMaxDelay = TimeSpan.FromSeconds(r.GetInt("ReconnectMaxDelaySeconds", (int)d.ReconnectMaxDelay.TotalSeconds, 1, 3600)),
            StateDirectory = r.GetString("StateDirectory", Environment.GetEnvironmentVariable("STATE_DIRECTORY") ?? d.StateDirectory),
            OutboxMaxBytes = r.GetInt("OutboxMaxBytes", (int)d.OutboxMaxBytes, 4096, int.MaxValue),
            OutboxFsync = r.GetEnum("OutboxFsync", d.OutboxFsync),
            OutboxFsyncInterval = r.GetMilliseconds("OutboxFsyncIntervalMs", d.OutboxFsyncInterval, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(10)),
            ActionTtlSeconds = r.GetInt("ActionTtlSeconds", d.ActionTtlSeconds, 1, 3600),
            PartialTranscripts = r.GetBool("PartialTranscripts", d.PartialTranscripts),
            OutboxMaxInflight = r.GetInt("OutboxMaxInflight", d.OutboxMaxInflight, 1, 10_000),
            MaxCommandBytes = r.GetInt("MaxCommandBytes", d.MaxCommandBytes, 256, 1 << 24),
            MaxSayLength = r.GetInt("MaxSayLength", d.MaxSayLength, 1, 100_000),
            MaxIntercomBytes = r.GetInt("MaxIntercomBytes", d.MaxIntercomBytes, 1024, 1 << 28),
            IntercomTargets = [.. r.GetStringList("IntercomTargets", [])],
            HomeAssistantDiscovery = r.GetBool("HomeAssistantDiscovery", d.HomeAssistantDiscovery),
            DiscoveryPrefix = r.GetString("DiscoveryPrefix", d.DiscoveryPrefix),
            Hermes = r.GetBool("Hermes", d.Hermes),
            HermesSiteId = r.GetOptionalString("HermesSiteId"),
        };
        return o;
    }
}
