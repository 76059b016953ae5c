namespace VoiceAppliance.Configuration;

/// <summary>Whether the Piper voice stays in memory between sessions (<c>Models:TtsResidency</c>).</summary>
public enum TtsResidency
{
    /// <summary>
    /// <see cref="OnDemand"/> on a device with at most <see cref="ModelsOptions.SmallDeviceMemoryBytes"/> of memory (a
    /// Pi Zero 2 W or Pi 3 A+, 512 MB), <see cref="Resident"/> otherwise.
    /// </summary>
    Auto,

    /// <summary>Loaded at start and kept: the first reply after a quiet hour is as quick as any other.</summary>
    Resident,

    /// <summary>
    /// Loaded at start (so a broken voice is found at once), unloaded after <c>Models:TtsUnloadAfterMs</c> without a
    /// session, and loaded again in the background when the next session starts, while the user is still speaking.
    /// Saves the voice's memory (about 100 MB for a medium voice) while idle; the first reply of a session waits
    /// for whatever of the load (about 2 s here) is not hidden behind the user's speech.
    /// </summary>
    OnDemand,
}
