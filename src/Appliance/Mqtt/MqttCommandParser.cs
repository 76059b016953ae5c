using System.Globalization;
using System.Text;
using System.Text.Json;
using VoiceAppliance.Audio.Alsa;

namespace VoiceAppliance.Mqtt;

/// <summary>A command payload that cannot be accepted; the message says why and what is expected.</summary>
public sealed class BadCommandException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BadCommandException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public BadCommandException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public BadCommandException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>A parsed, validated remote command.</summary>
internal abstract record MqttCommand
{
    public sealed record Listen : MqttCommand;

    public sealed record Stop : MqttCommand;

    public sealed record Say(SayCommand Command) : MqttCommand;

    public sealed record Mute(bool Muted) : MqttCommand;

    public sealed record Volume(int Value) : MqttCommand;

    public sealed record IntercomPlay(IntercomClip Clip) : MqttCommand;

    public sealed record IntercomTargets(string[] Targets) : MqttCommand;

    /// <summary><c>reply</c>: the answer (or a streamed part) to a conversation request.</summary>
    public sealed record Reply(VoiceAppliance.Workflows.ConversationReply Value) : MqttCommand;
}

/// <summary>
/// Turns <c>&lt;base&gt;/cmd/&lt;name&gt;</c> payloads into <see cref="MqttCommand"/>s, or throws
/// <see cref="BadCommandException"/> with the reason (malformed JSON, wrong types, size, range, unknown command, not a WAV).
/// </summary>
internal static class MqttCommandParser
{
    public const int MaxIntercomTargets = 16;

    /// <summary>The command names under <c>&lt;base&gt;/cmd/</c>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["listen", "stop", "say", "mute/set", "volume/set", "intercom/play", "intercom/send", "reply"];

    public static MqttCommand Parse(string name, ReadOnlySpan<byte> payload, MqttOptions options)
    {
        if (name.StartsWith("intercom/play", StringComparison.Ordinal) && (name.Length == "intercom/play".Length || name["intercom/play".Length] == '/'))
        {
            return ParseIntercom(name, payload, options);
        }

        if (payload.Length > options.MaxCommandBytes)
        {
            throw new BadCommandException($"payload of {payload.Length} bytes is over the {options.MaxCommandBytes}-byte limit (Mqtt:MaxCommandBytes)");
        }

        var text = DecodeUtf8(payload).Trim();
        return name switch
        {
            "listen" => IsTrigger(text, "listen") ? new MqttCommand.Listen() : throw NoPayloadExpected("listen", text),
            "stop" => IsTrigger(text, "stop") ? new MqttCommand.Stop() : throw NoPayloadExpected("stop", text),
            "say" => ParseSay(text, options),
            "mute/set" => new MqttCommand.Mute(ParseMute(text)),
            "volume/set" => new MqttCommand.Volume(ParseVolume(text)),
            "intercom/send" => new MqttCommand.IntercomTargets(ParseTargets(text)),
            "reply" => new MqttCommand.Reply(ParseReply(text, options)),
            _ => throw new BadCommandException($"unknown command '{Truncate(name)}'; known commands: {string.Join(", ", Names)}"),
        };
    }

    public static SayCommand ValidateSay(string? text, string? voice, int? volume, string? id, MqttOptions options)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new BadCommandException("say needs a non-empty \"text\"");
        }

        if (text.Length > options.MaxSayLength)
        {
            throw new BadCommandException($"say text of {text.Length} characters is over the {options.MaxSayLength}-character limit (Mqtt:MaxSayLength)");
        }

        if (volume is < 0 or > 100)
        {
            throw new BadCommandException($"say \"volume\" {volume} is out of range; allowed 0..100");
        }

        if (voice is not null && (voice.Length > 128 || voice.Any(char.IsControl)))
        {
            throw new BadCommandException("say \"voice\" must be a name of at most 128 printable characters");
        }

        return new SayCommand(text.Trim(), voice, volume, id);
    }

    private static bool IsTrigger(string text, string name) =>
        text.Length == 0 || text == "{}" || text.Equals("PRESS", StringComparison.OrdinalIgnoreCase) || text.Equals(name, StringComparison.OrdinalIgnoreCase);

    private static BadCommandException NoPayloadExpected(string name, string text) =>
        new($"{name} takes no payload (empty, \"PRESS\", \"{name}\" or {{}}), got '{Truncate(text)}'");

    private static VoiceAppliance.Workflows.ConversationReply ParseReply(string text, MqttOptions options)
    {
        const string Expected = "{\"id\": string, \"text\": string, \"final\"?: bool, \"continue\"?: bool, \"intent\"?: string}";
        if (!text.StartsWith('{'))
        {
            throw new BadCommandException($"reply must be a JSON object {Expected} (the id comes from the conversation request)");
        }

        var payload = Deserialize(text, MqttJsonContext.Default.ReplyPayload, "reply", Expected);
        if (string.IsNullOrWhiteSpace(payload.Id) || payload.Id.Length > 128 || payload.Id.Any(char.IsControl))
        {
            throw new BadCommandException("reply needs the request's \"id\" (at most 128 printable characters)");
        }

        var reply = payload.Text ?? string.Empty;
        if (reply.Length > options.MaxSayLength)
        {
            throw new BadCommandException($"reply text of {reply.Length} characters is over the {options.MaxSayLength}-character limit (Mqtt:MaxSayLength)");
        }

        if (payload.Intent is { } intent && (intent.Length > 128 || intent.Any(char.IsControl)))
        {
            throw new BadCommandException("reply \"intent\" must be a name of at most 128 printable characters");
        }

        return new VoiceAppliance.Workflows.ConversationReply(payload.Id, reply.Trim(), payload.Final ?? true, payload.Continue ?? false, payload.Intent);
    }

    private static MqttCommand.Say ParseSay(string text, MqttOptions options)
    {
        if (text.StartsWith('{'))
        {
            var payload = Deserialize(text, MqttJsonContext.Default.SayPayload, "say", "{\"text\": string, \"voice\"?: string, \"volume\"?: 0..100}");
            return new MqttCommand.Say(ValidateSay(payload.Text, payload.Voice, payload.Volume, payload.Id, options));
        }

        return new MqttCommand.Say(ValidateSay(text, null, null, null, options));
    }

    private static bool ParseMute(string text)
    {
        switch (text.ToUpperInvariant())
        {
            case "ON" or "TRUE" or "1" or "MUTE" or "MUTED":
                return true;
            case "OFF" or "FALSE" or "0" or "UNMUTE" or "UNMUTED":
                return false;
        }

        if (text.StartsWith('{'))
        {
            var payload = Deserialize(text, MqttJsonContext.Default.MutePayload, "mute/set", "{\"muted\": true|false}");
            return payload.Muted ?? throw new BadCommandException("mute/set JSON needs \"muted\": true or false");
        }

        throw new BadCommandException($"mute/set expects ON, OFF, true, false or {{\"muted\": bool}}, got '{Truncate(text)}'");
    }

    private static int ParseVolume(string text)
    {
        double value;
        if (text.StartsWith('{'))
        {
            var payload = Deserialize(text, MqttJsonContext.Default.VolumePayload, "volume/set", "{\"volume\": 0..100}");
            value = payload.Volume ?? throw new BadCommandException("volume/set JSON needs \"volume\": a number 0..100");
        }
        else if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            throw new BadCommandException($"volume/set expects a number 0..100 or {{\"volume\": n}}, got '{Truncate(text)}'");
        }

        if (!double.IsFinite(value) || value < 0 || value > 100)
        {
            throw new BadCommandException($"volume/set value {value.ToString(CultureInfo.InvariantCulture)} is out of range; allowed 0..100");
        }

        return (int)Math.Round(value, MidpointRounding.AwayFromZero);
    }

    private static string[] ParseTargets(string text)
    {
        string[] targets;
        if (text.StartsWith('['))
        {
            targets = Deserialize(text, MqttJsonContext.Default.StringArray, "intercom/send", "[\"device\", ...]");
        }
        else if (text.StartsWith('{'))
        {
            var payload = Deserialize(text, MqttJsonContext.Default.TargetsPayload, "intercom/send", "{\"targets\": [\"device\", ...]}");
            targets = payload.Targets ?? throw new BadCommandException("intercom/send JSON needs \"targets\": an array of device ids");
        }
        else
        {
            targets = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        if (targets.Length > MaxIntercomTargets)
        {
            throw new BadCommandException($"intercom/send names {targets.Length} targets; at most {MaxIntercomTargets} are allowed");
        }

        foreach (var target in targets)
        {
            if (target is null || !MqttOptions.IsValidId(target))
            {
                throw new BadCommandException($"intercom/send target '{Truncate(target ?? "null")}' is not a device id (1-64 letters, digits, '_' or '-')");
            }
        }

        return targets.Distinct(StringComparer.Ordinal).ToArray();
    }

    private static MqttCommand.IntercomPlay ParseIntercom(string name, ReadOnlySpan<byte> payload, MqttOptions options)
    {
        string? from = null;
        if (name.Length > "intercom/play/".Length)
        {
            from = name["intercom/play/".Length..];
            if (!MqttOptions.IsValidId(from))
            {
                throw new BadCommandException($"intercom/play sender '{Truncate(from)}' in the topic is not a device id");
            }
        }

        if (payload.Length > options.MaxIntercomBytes)
        {
            throw new BadCommandException($"intercom audio of {payload.Length} bytes is over the {options.MaxIntercomBytes}-byte limit (Mqtt:MaxIntercomBytes)");
        }

        WavAudio audio;
        try
        {
            audio = WavFile.Parse(payload);
        }
        catch (InvalidWavException ex)
        {
            throw new BadCommandException($"intercom/play payload is not a usable WAV file: {ex.Message}", ex);
        }

        if (audio.Frames == 0)
        {
            throw new BadCommandException("intercom/play WAV holds no audio frames");
        }

        return new MqttCommand.IntercomPlay(new IntercomClip(audio, from, payload.ToArray()));
    }

    private static T Deserialize<T>(string text, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info, string command, string expected)
    {
        try
        {
            return JsonSerializer.Deserialize(text, info) ?? throw new BadCommandException($"{command} payload is JSON null; expected {expected}");
        }
        catch (JsonException ex)
        {
            throw new BadCommandException($"{command} payload is not valid: {ex.Message} Expected {expected}.", ex);
        }
    }

    private static string DecodeUtf8(ReadOnlySpan<byte> payload)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(payload);
        }
        catch (DecoderFallbackException ex)
        {
            throw new BadCommandException("payload is not valid UTF-8 text", ex);
        }
    }

    internal static string Truncate(string text) => text.Length <= 60 ? text : string.Concat(text.AsSpan(0, 60), "...");
}
