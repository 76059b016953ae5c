using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Models;

namespace VoiceAppliance.Cli;

/// <summary>
/// Loads every native library the appliance binds and reports its version. Used by
/// <c>appliance self-check</c>, by <c>demo</c> before it starts, and by the AOT probe in CI.
/// </summary>
public static class SelfCheck
{
    /// <summary>One native component: its name, the version it reported, or why it failed.</summary>
    public sealed record Component(string Name, string? Version, string? Error)
    {
        /// <summary>True when the library loaded and answered.</summary>
        public bool Ok => Error is null;
    }

    /// <summary>Loads each library in turn; a failure of one does not stop the others.</summary>
    public static IReadOnlyList<Component> Run() =>
    [
        Probe("libasound", () => AlsaLibrary.Version),
        Probe("onnxruntime", () => NativeRuntimes.OnnxRuntimeVersion),
        Probe("whisper.cpp", () => $"{NativeRuntimes.WhisperVersion} (Whisper.net {NativeRuntimes.WhisperNetVersion})"),
        Probe("espeak-ng", () => NativeRuntimes.EspeakNgVersion),
        Probe("MQTTnet", () => Mqtt.MqttNetClient.LibraryVersion + " (managed)"),
    ];

    /// <summary>Writes the report; returns the exit code (69 when anything is missing).</summary>
    public static int Print(TextWriter output, IReadOnlyList<Component> components)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(components);
        output.WriteLine($"voice appliance {AppVersion.Informational} ({System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, {(AppVersion.IsNativeAot ? "NativeAOT" : "JIT")}, {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture})");
        foreach (var c in components)
        {
            output.WriteLine(c.Ok ? $"  {c.Name,-13} {c.Version}" : $"  {c.Name,-13} MISSING: {c.Error}");
        }

        return components.All(c => c.Ok) ? ExitCodes.Ok : ExitCodes.MissingDependency;
    }

    private static Component Probe(string name, Func<string> version)
    {
        try
        {
            return new Component(name, version(), null);
        }
        catch (DllNotFoundException ex)
        {
            return new Component(name, null, ex.Message);
        }
    }
}
