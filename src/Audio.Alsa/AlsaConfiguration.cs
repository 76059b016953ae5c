using System.Text;

namespace VoiceAppliance.Audio.Alsa;

/// <summary>
/// A private ALSA configuration tree, parsed from asoundrc text with <c>snd_config_load</c>. PCMs opened
/// against it (<see cref="AlsaPcm.Open(string, AlsaStreamDirection, AlsaPcmSettings, AlsaConfiguration?)"/>)
/// use only its definitions, through <c>snd_pcm_open_lconf</c>, so no process-wide environment
/// (<c>ALSA_CONFIG_PATH</c>) is needed and several trees can live side by side.
/// </summary>
public sealed class AlsaConfiguration : IDisposable
{
    private readonly SafeAlsaConfigHandle _handle;

    private AlsaConfiguration(SafeAlsaConfigHandle handle, string source)
    {
        _handle = handle;
        Source = source;
    }

    /// <summary>Where the text came from (a file path or "text"), for messages.</summary>
    public string Source { get; }

    internal SafeAlsaConfigHandle Handle => _handle;

    /// <summary>Parses asoundrc syntax. Throws <see cref="AlsaException"/> naming <paramref name="source"/> when it does not parse.</summary>
    public static unsafe AlsaConfiguration Parse(string text, string source = "text")
    {
        ArgumentNullException.ThrowIfNull(text);
        AlsaException.Check(Interop.Alsa.snd_config_top(out var top), source, "snd_config_top");
        var handle = new SafeAlsaConfigHandle(top);
        var bytes = Encoding.UTF8.GetBytes(text);
        fixed (byte* p = bytes)
        {
            var rc = Interop.Alsa.snd_input_buffer_open(out var input, p, bytes.Length);
            if (rc < 0)
            {
                handle.Dispose();
                throw new AlsaException(source, "snd_input_buffer_open", rc);
            }

            rc = Interop.Alsa.snd_config_load(handle, input);
            _ = Interop.Alsa.snd_input_close(input);
            if (rc < 0)
            {
                handle.Dispose();
                throw new AlsaException($"ALSA configuration '{source}' does not parse: {AlsaLibrary.ErrorText(rc)} ({rc}). Fix the asoundrc syntax (see 'man asoundrc').");
            }
        }

        return new AlsaConfiguration(handle, source);
    }

    /// <summary>Reads and parses an asoundrc file. Throws naming the file when it is missing or does not parse.</summary>
    public static AlsaConfiguration Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"ALSA configuration file '{path}' does not exist.", path);
        }

        return Parse(File.ReadAllText(path), path);
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();
}
