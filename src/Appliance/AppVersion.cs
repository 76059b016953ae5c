using System.Reflection;
using System.Runtime.CompilerServices;

namespace VoiceAppliance;

/// <summary>The appliance's own version and how it was compiled.</summary>
public static class AppVersion
{
    /// <summary>The informational version (semver plus source revision when built from git).</summary>
    public static string Informational { get; } =
        typeof(AppVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>True in a NativeAOT binary (no JIT compiler present).</summary>
    public static bool IsNativeAot => !RuntimeFeature.IsDynamicCodeSupported;
}
