namespace VoiceAppliance.Models;

/// <summary>
/// An engine that may be unloaded while idle. <see cref="WarmUp"/> says it will be needed soon (a session started):
/// it starts loading in the background, if it is not loaded, and returns at once.
/// </summary>
public interface IEngineWarmUp
{
    /// <summary>Starts loading in the background when not loaded; never blocks and never throws for a load failure (the next use reports it).</summary>
    void WarmUp();
}
