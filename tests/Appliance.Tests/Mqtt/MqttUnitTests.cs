using System.Text;
using Microsoft.Extensions.Configuration;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Mqtt;

namespace VoiceAppliance.Tests.Mqtt;

public sealed class MqttOptionsTests
{
    private static MqttOptions Valid() => new() { Enabled = true, DeviceId = "kitchen", StateDirectory = "/tmp/x" };

    [Fact]
    public void Defaults_with_a_device_id_are_valid() => Assert.Empty(Valid().Validate());

    [Theory]
    [InlineData("Port", "70000", "Mqtt:Port = '70000'", "1..65535")]
    [InlineData("ProtocolVersion", "4", "Mqtt:ProtocolVersion = '4'", "3.1.1")]
    [InlineData("DeviceId", "kit/chen", "Mqtt:DeviceId = 'kit/chen'", "letters, digits")]
    [InlineData("TopicPrefix", "home/#", "Mqtt:TopicPrefix = 'home/#'", "'#'")]
    [InlineData("KeepAliveSeconds", "1", "Mqtt:KeepAliveSeconds = '1'", "5..3600")]
    [InlineData("MaxSayLength", "0", "Mqtt:MaxSayLength = '0'", "1..100000")]
    public void Bad_values_are_named_with_key_value_and_what_is_allowed(string key, string value, string expectStart, string expectAllowed)
    {
        var o = Valid();
        switch (key)
        {
            case "Port": o.Port = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "ProtocolVersion": o.ProtocolVersion = value; break;
            case "DeviceId": o.DeviceId = value; break;
            case "TopicPrefix": o.TopicPrefix = value; break;
            case "KeepAliveSeconds": o.KeepAliveSeconds = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "MaxSayLength": o.MaxSayLength = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
        }

        var error = Assert.Single(o.Validate());
        Assert.StartsWith(expectStart, error, StringComparison.Ordinal);
        Assert.Contains(expectAllowed, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Insecure_tls_is_refused_unless_tls_is_explicitly_on()
    {
        var o = Valid() with { TlsInsecure = true };
        Assert.Contains(o.Validate(), e => e.StartsWith("Mqtt:TlsInsecure", StringComparison.Ordinal));
        Assert.Empty((o with { Tls = true }).Validate());
    }

    [Fact]
    public void Missing_tls_files_and_password_sources_are_named()
    {
        var o = Valid() with { Tls = true, TlsCaFile = "/nonexistent/ca.pem", Username = "u", PasswordEnvironmentVariable = "MQTT_TEST_UNSET_" + Guid.NewGuid().ToString("N") };
        var errors = o.Validate();
        Assert.Contains(errors, e => e.Contains("Mqtt:TlsCaFile = '/nonexistent/ca.pem'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Mqtt:PasswordEnvironmentVariable", StringComparison.Ordinal) && e.Contains("not set", StringComparison.Ordinal));
    }

    [Fact]
    public void Password_comes_from_file_or_environment_and_is_not_in_ToString()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "pa55-from-file\nignored\n");
            var o = Valid() with { Username = "u", PasswordFile = file };
            Assert.Empty(o.Validate());
            Assert.Equal("pa55-from-file", o.ReadPassword());
            var settings = o.ToConnectionSettings(null);
            Assert.DoesNotContain("pa55", settings.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("pa55", o.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }

        var variable = "MQTT_TEST_PW_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "pa55-from-env");
        Assert.Equal("pa55-from-env", (Valid() with { Username = "u", PasswordEnvironmentVariable = variable }).ReadPassword());
    }

    [Fact]
    public void Validator_skips_disabled_options_and_fails_bad_enabled_ones()
    {
        var validator = new MqttOptionsValidator();
        Assert.True(validator.Validate(null, Valid() with { Enabled = false, Port = 0 }).Skipped);
        var result = validator.Validate(null, Valid() with { Port = 0 });
        Assert.True(result.Failed);
        Assert.Contains("Mqtt:Port = '0'", result.FailureMessage, StringComparison.Ordinal);
    }
}

public sealed class ReconnectBackoffTests
{
    [Fact]
    public void Doubles_per_attempt_is_capped_and_jitters_between_half_and_full()
    {
        var initial = TimeSpan.FromMilliseconds(100);
        var max = TimeSpan.FromSeconds(5);
        Assert.Equal(100, ReconnectBackoff.Delay(0, initial, max, 0.999999).TotalMilliseconds, 0.01);
        Assert.Equal(50, ReconnectBackoff.Delay(0, initial, max, 0).TotalMilliseconds, 0.01);
        Assert.Equal(800, ReconnectBackoff.Delay(3, initial, max, 0.999999).TotalMilliseconds, 0.01);
        Assert.Equal(5000, ReconnectBackoff.Delay(10, initial, max, 0.999999).TotalMilliseconds, 0.01);
        Assert.Equal(2500, ReconnectBackoff.Delay(10_000, initial, max, 0).TotalMilliseconds, 0.01);
        var rng = new Random(1);
        for (var attempt = 0; attempt < 40; attempt++)
        {
            var d = ReconnectBackoff.Delay(attempt, initial, max, rng.NextDouble());
            Assert.InRange(d, TimeSpan.FromMilliseconds(50), max);
        }
    }
}

public sealed class MqttCommandParserTests
{
    private static readonly MqttOptions s_options = new() { DeviceId = "d", MaxSayLength = 20, MaxCommandBytes = 256, MaxIntercomBytes = 4096 };

    private static MqttCommand Parse(string name, string payload) => MqttCommandParser.Parse(name, Encoding.UTF8.GetBytes(payload), s_options);

    private static string Bad(string name, string payload) => Assert.Throws<BadCommandException>(() => Parse(name, payload)).Message;

    [Fact]
    public void Accepts_the_documented_forms()
    {
        Assert.IsType<MqttCommand.Listen>(Parse("listen", ""));
        Assert.IsType<MqttCommand.Listen>(Parse("listen", "PRESS"));
        Assert.IsType<MqttCommand.Stop>(Parse("stop", "{}"));
        Assert.Equal(new SayCommand("hello"), ((MqttCommand.Say)Parse("say", " hello ")).Command);
        Assert.Equal(new SayCommand("hi", "amy", 40), ((MqttCommand.Say)Parse("say", "{\"text\":\"hi\",\"voice\":\"amy\",\"volume\":40}")).Command);
        Assert.True(((MqttCommand.Mute)Parse("mute/set", "ON")).Muted);
        Assert.False(((MqttCommand.Mute)Parse("mute/set", "{\"muted\":false}")).Muted);
        Assert.Equal(42, ((MqttCommand.Volume)Parse("volume/set", "42")).Value);
        Assert.Equal(43, ((MqttCommand.Volume)Parse("volume/set", "42.5")).Value);
        Assert.Equal(7, ((MqttCommand.Volume)Parse("volume/set", "{\"volume\":7}")).Value);
        Assert.Equal(["a", "b-2"], ((MqttCommand.IntercomTargets)Parse("intercom/send", "[\"a\",\"b-2\"]")).Targets);
        Assert.Equal(["a", "b"], ((MqttCommand.IntercomTargets)Parse("intercom/send", "a, b")).Targets);
        Assert.Equal(["x"], ((MqttCommand.IntercomTargets)Parse("intercom/send", "{\"targets\":[\"x\"]}")).Targets);
    }

    [Theory]
    [InlineData("say", "{\"text\": ", "not valid")]
    [InlineData("say", "{\"text\": 5}", "not valid")]
    [InlineData("say", "{\"text\": \"x\", \"colour\": 1}", "not valid")]
    [InlineData("say", "{\"volume\": 5}", "non-empty \"text\"")]
    [InlineData("say", "this text is longer than twenty characters", "over the 20-character limit")]
    [InlineData("say", "{\"text\":\"hi\",\"volume\":101}", "out of range")]
    [InlineData("volume/set", "loud", "expects a number")]
    [InlineData("volume/set", "150", "out of range")]
    [InlineData("volume/set", "NaN", "out of range")]
    [InlineData("volume/set", "{\"volume\":\"5\"}", "not valid")]
    [InlineData("mute/set", "maybe", "expects ON, OFF")]
    [InlineData("listen", "now please", "takes no payload")]
    [InlineData("reboot", "", "unknown command 'reboot'")]
    [InlineData("intercom/send", "[\"a/b\"]", "not a device id")]
    [InlineData("intercom/send", "[1]", "not valid")]
    public void Rejects_bad_payloads_with_the_reason(string name, string payload, string reason) =>
        Assert.Contains(reason, Bad(name, payload), StringComparison.Ordinal);

    [Fact]
    public void Rejects_oversized_and_non_utf8_payloads()
    {
        Assert.Contains("over the 256-byte limit", Bad("say", new string('a', 300)), StringComparison.Ordinal);
        var ex = Assert.Throws<BadCommandException>(() => MqttCommandParser.Parse("say", [0xC3, 0x28], s_options));
        Assert.Contains("UTF-8", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Intercom_audio_must_be_a_wav_under_the_cap()
    {
        using var ms = new MemoryStream();
        WavFile.WritePcm16(ms, new float[800], 16000);
        var clip = ((MqttCommand.IntercomPlay)MqttCommandParser.Parse("intercom/play/hall", ms.ToArray(), s_options)).Clip;
        Assert.Equal("hall", clip.From);
        Assert.Equal(800, clip.Audio.Frames);
        Assert.Contains("not a usable WAV", Assert.Throws<BadCommandException>(() => MqttCommandParser.Parse("intercom/play", "hello"u8, s_options)).Message, StringComparison.Ordinal);
        Assert.Contains("4096-byte limit", Assert.Throws<BadCommandException>(() => MqttCommandParser.Parse("intercom/play", new byte[5000], s_options)).Message, StringComparison.Ordinal);
        Assert.Contains("sender", Assert.Throws<BadCommandException>(() => MqttCommandParser.Parse("intercom/play/a+b", ms.ToArray(), s_options)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hermes_reasons_map_to_hermes_names()
    {
        Assert.Equal("abortedByUser", MqttService.HermesReason("aborted_by_user"));
        Assert.Equal("intentNotRecognized", MqttService.HermesReason("intent_not_recognized"));
        Assert.Equal("timeout", MqttService.HermesReason("no_speech"));
        Assert.Equal("error", MqttService.HermesReason("something_else"));
    }
}

public sealed class MqttOptionsBindingTests
{
    [Fact]
    public void Binds_from_configuration_including_times_enums_and_lists()
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Mqtt:Enabled"] = "true",
                ["Mqtt:Host"] = "broker.lan",
                ["Mqtt:Port"] = "8883",
                ["Mqtt:DeviceId"] = "kitchen",
                ["Mqtt:ProtocolVersion"] = "3.1.1",
                ["Mqtt:ReconnectMaxDelay"] = "00:00:30",
                ["Mqtt:OutboxFsync"] = "PerRecord",
                ["Mqtt:IntercomTargets:0"] = "hall",
                ["Mqtt:IntercomTargets:1"] = "garage",
            })
            .Build();
        var options = new MqttOptions();
        ConfigurationBinder.Bind(config.GetSection(MqttOptions.SectionName), options);
        Assert.Equal("broker.lan", options.Host);
        Assert.Equal(8883, options.Port);
        Assert.False(options.IsMqtt5);
        Assert.Equal(TimeSpan.FromSeconds(30), options.ReconnectMaxDelay);
        Assert.Equal(OutboxFsyncPolicy.PerRecord, options.OutboxFsync);
        Assert.Equal(["hall", "garage"], options.IntercomTargets);
        Assert.Equal("appliance/kitchen", options.BaseTopic);
        Assert.Equal("appliance-kitchen", options.EffectiveClientId);
        Assert.Empty(options.Validate());
    }
}

public sealed class ReportRateLimiterTests
{
    [Fact]
    public void A_flood_gets_a_burst_per_window_and_the_next_report_carries_the_suppressed_count()
    {
        var time = new VoiceAppliance.Testing.ManualTimeProvider();
        var limiter = new ReportRateLimiter(3, TimeSpan.FromMinutes(1), time);
        var allowed = 0;
        for (var i = 0; i < 1000; i++)
        {
            if (limiter.TryAcquire(out var before))
            {
                allowed++;
                Assert.Equal(0, before);
            }
        }

        Assert.Equal(3, allowed);
        Assert.Equal(997, limiter.TotalSuppressed);

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(limiter.TryAcquire(out var suppressed));
        Assert.Equal(997, suppressed);
        Assert.True(limiter.TryAcquire(out var none));
        Assert.Equal(0, none);
    }
}
