using System.Reflection;

namespace VoiceAppliance;

/// <summary>The appliance's own version and how it was compiled.</summary>
public static class AppVersion
{
    /// <summary>The informational version (semver plus source revision when built from git).</summary>
    public static string Informational { get; } =
        typeof(AppVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>
    /// True in a NativeAOT binary: no method was ever JIT-compiled. (<c>RuntimeFeature.IsDynamicCodeSupported</c> cannot
    /// tell: with <c>PublishAot</c> set, the SDK turns it off in the JIT build's runtimeconfig too.)
    /// </summary>
    public static bool IsNativeAot => System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false) == 0;
}
