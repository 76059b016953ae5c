using System.Globalization;
using System.Text;
using VoiceAppliance.Audio.Alsa.Dsp;

namespace VoiceAppliance.Audio.Alsa;

/// <summary>
/// ALSA without a sound card: writes an asoundrc whose PCMs are <c>type file</c> over a <c>null</c> slave.
/// A capture PCM reads raw interleaved samples from an <c>infile</c>; a playback PCM writes a WAV file.
/// Open them with <see cref="AlsaCaptureOptions.ConfigurationFile"/> / <see cref="AlsaPlaybackOptions.ConfigurationFile"/>
/// = <see cref="ConfigurationPath"/> (a private tree, no process environment), or point a whole process
/// (arecord/aplay) at it with <c>ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:&lt;file&gt;</c>.
/// </summary>
/// <remarks>
/// Quirks of file PCMs that users of this class must allow for: they are not paced in real time (use
/// <see cref="AlsaCaptureOptions.PaceInRealTime"/>); reading past the end of the infile repeats stale data
/// (use <see cref="AlsaCaptureOptions.MaxFrames"/> = <see cref="FramesIn"/>, or pad the file); a capture over
/// plain <c>null</c> returns garbage, so silence is <c>infile "/dev/zero"</c> (<see cref="AddSilentCapture"/>).
/// The WAV of a playback PCM gets its final sizes when the PCM is closed.
/// </remarks>
public sealed class AlsaFileDevices
{
    private readonly SortedDictionary<string, string> _definitions = new(StringComparer.Ordinal);

    /// <summary>Creates a set of file devices whose asoundrc is written to <paramref name="configurationPath"/>.</summary>
    public AlsaFileDevices(string configurationPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(configurationPath);
        ConfigurationPath = Path.GetFullPath(configurationPath);
    }

    /// <summary>The asoundrc file (rewritten at every change).</summary>
    public string ConfigurationPath { get; }

    /// <summary>
    /// The value of <c>ALSA_CONFIG_PATH</c> that makes a whole process (arecord, aplay, a child appliance)
    /// see these PCMs besides the system ones: <c>/usr/share/alsa/alsa.conf:&lt;file&gt;</c>. It must be in the
    /// environment before that process's libasound first reads its configuration.
    /// </summary>
    public string AlsaConfigPathValue => $"/usr/share/alsa/alsa.conf:{ConfigurationPath}";

    /// <summary>The asoundrc text.</summary>
    public string Text
    {
        get
        {
            var sb = new StringBuilder("# Written by VoiceAppliance AlsaFileDevices: type file PCMs over the null slave\n");
            foreach (var (_, definition) in _definitions)
            {
                sb.Append(definition).Append('\n');
            }

            return sb.ToString();
        }
    }

    /// <summary>Defines capture PCM <paramref name="name"/> reading raw interleaved samples from <paramref name="rawFile"/>.</summary>
    public string AddCapture(string name, string rawFile)
    {
        ValidateName(name);
        ArgumentException.ThrowIfNullOrEmpty(rawFile);
        _definitions[name] = string.Create(CultureInfo.InvariantCulture, $"pcm.{name} {{\n    type file\n    slave {{ pcm {{ type null }} }}\n    file \"/dev/null\"\n    infile \"{Escape(Path.GetFullPath(rawFile))}\"\n    format \"raw\"\n}}");
        Save();
        return name;
    }

    /// <summary>Defines capture PCM <paramref name="name"/> that delivers silence (<c>infile "/dev/zero"</c>).</summary>
    public string AddSilentCapture(string name) => AddCapture(name, "/dev/zero");

    /// <summary>Defines playback PCM <paramref name="name"/> writing a WAV to <paramref name="wavFile"/>.</summary>
    public string AddPlayback(string name, string wavFile)
    {
        ValidateName(name);
        ArgumentException.ThrowIfNullOrEmpty(wavFile);
        _definitions[name] = string.Create(CultureInfo.InvariantCulture, $"pcm.{name} {{\n    type file\n    slave {{ pcm {{ type null }} }}\n    file \"{Escape(Path.GetFullPath(wavFile))}\"\n    format \"wav\"\n}}");
        Save();
        return name;
    }

    /// <summary>Removes PCM <paramref name="name"/> (the next open of it fails with "No such file or directory").</summary>
    public void Remove(string name)
    {
        _definitions.Remove(name);
        Save();
    }

    /// <summary>Parses the current definitions into a private configuration tree.</summary>
    public AlsaConfiguration Load() => AlsaConfiguration.Parse(Text, ConfigurationPath);

    /// <summary>Number of whole frames a raw file holds for a format and channel count.</summary>
    public static long FramesIn(string rawFile, AlsaSampleFormat format, int channels) =>
        new FileInfo(rawFile).Length / (AlsaPcm.BytesPerSample(format) * channels);

    /// <summary>
    /// Writes interleaved float samples as raw little-endian <paramref name="format"/> (what a capture infile holds),
    /// clamped to [-1, 1].
    /// </summary>
    public static void WriteRaw(string path, ReadOnlySpan<float> interleaved, AlsaSampleFormat format)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = new byte[interleaved.Length * AlsaPcm.BytesPerSample(format)];
        switch (format)
        {
            case AlsaSampleFormat.S16LE:
                SampleConverter.FloatToS16(interleaved, bytes);
                break;
            case AlsaSampleFormat.S24Packed3LE:
                for (var i = 0; i < interleaved.Length; i++)
                {
                    var v = (int)Math.Round(Math.Clamp(interleaved[i], -1f, 1f) * 8388607.0);
                    bytes[i * 3] = (byte)v;
                    bytes[(i * 3) + 1] = (byte)(v >> 8);
                    bytes[(i * 3) + 2] = (byte)(v >> 16);
                }

                break;
            case AlsaSampleFormat.S32LE:
                for (var i = 0; i < interleaved.Length; i++)
                {
                    var v = (int)Math.Clamp(Math.Round(interleaved[i] * 2147483647.0), int.MinValue, int.MaxValue);
                    System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), v);
                }

                break;
            case AlsaSampleFormat.FloatLE:
                for (var i = 0; i < interleaved.Length; i++)
                {
                    System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), interleaved[i]);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "unsupported sample format");
        }

        File.WriteAllBytes(path, bytes);
    }

    private void Save()
    {
        var directory = Path.GetDirectoryName(ConfigurationPath);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        // Write then rename, so a capture reopening concurrently never reads half a file.
        var temp = ConfigurationPath + ".tmp";
        File.WriteAllText(temp, Text);
        File.Move(temp, ConfigurationPath, overwrite: true);
    }

    private static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '_' and not '-')
            {
                throw new ArgumentException($"PCM name '{name}' may hold only ASCII letters, digits, '_' and '-'.", nameof(name));
            }
        }
    }

    private static string Escape(string path) => path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
