using VoiceAppliance.Configuration;

namespace VoiceAppliance.Cloud;

/// <summary>
/// Section <c>Cloud</c>: the optional OpenAI-compatible providers. Each of <c>Llm</c>, <c>Stt</c>, <c>Tts</c> is
/// absent (null) unless configured; with none, nothing of the cloud code is loaded or allocated.
/// </summary>
/// <param name="Llm">Chat completions for <c>Workflow:Kind = llm</c> / <c>intents-then-llm</c>.</param>
/// <param name="Stt">Speech to text, with the local engine as fallback.</param>
/// <param name="Tts">Text to speech, with Piper as fallback.</param>
public sealed record CloudOptions(CloudProviderOptions? Llm, CloudProviderOptions? Stt, CloudProviderOptions? Tts)
{
    /// <summary>The section name.</summary>
    public const string SectionName = "Cloud";

    /// <summary>No provider configured.</summary>
    public static CloudOptions None { get; } = new(null, null, null);

    /// <summary>The realtime speech-to-speech session (<c>Cloud:Realtime</c>), or null.</summary>
    public RealtimeOptions? Realtime { get; init; }

    /// <summary>Any provider configured.</summary>
    public bool Any => Llm is not null || Stt is not null || Tts is not null || Realtime is not null;

    /// <summary>Reads and validates the section.</summary>
    public static CloudOptions Read(ConfigSectionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var options = new CloudOptions(
            CloudProviderOptions.Read(r, CloudProviderKind.Llm),
            CloudProviderOptions.Read(r, CloudProviderKind.Stt),
            CloudProviderOptions.Read(r, CloudProviderKind.Tts))
        {
            Realtime = RealtimeOptions.Read(r),
        };
        return options.Any ? options : None;
    }
}
