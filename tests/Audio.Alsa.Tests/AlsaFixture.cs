namespace VoiceAppliance.Audio.Alsa.Tests;

/// <summary>A temporary folder with an asoundrc of file PCMs (<see cref="AlsaFileDevices"/>), removed at dispose.</summary>
internal sealed class AlsaScratch : IDisposable
{
    public AlsaScratch()
    {
        Directory = Testing.TestPaths.NewTempDirectory("alsa-test");
        Devices = new AlsaFileDevices(Path.Combine(Directory, "asoundrc"));
    }

    public string Directory { get; }

    public AlsaFileDevices Devices { get; }

    public string ConfigurationPath => Devices.ConfigurationPath;

    public string File(string name) => Path.Combine(Directory, name);

    /// <summary>Writes <paramref name="interleaved"/> as a raw infile and defines capture PCM <paramref name="pcm"/> over it.</summary>
    public long AddMic(string pcm, float[] interleaved, AlsaSampleFormat format, int channels)
    {
        var raw = File(pcm + ".raw");
        AlsaFileDevices.WriteRaw(raw, interleaved, format);
        Devices.AddCapture(pcm, raw);
        return AlsaFileDevices.FramesIn(raw, format, channels);
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class CaptureExtensions
{
    /// <summary>Reads everything a capture delivers until it ends (bounded by a timeout).</summary>
    public static async Task<float[]> ReadAllAsync(this AlsaCapture capture, int window = 512)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var all = new List<float>();
        var buffer = new float[window];
        while (await capture.ReadAsync(buffer, cts.Token))
        {
            all.AddRange(buffer);
        }

        return all.ToArray();
    }
}
