using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace VoiceAppliance.ModelStore;

/// <summary>The outcome of fetching or verifying one model.</summary>
public enum ModelStatus
{
    /// <summary>Present and matching its sha256 (or unpinned and present).</summary>
    Ok,

    /// <summary>Downloaded now and verified.</summary>
    Downloaded,

    /// <summary>Not present.</summary>
    Missing,

    /// <summary>Present but its sha256 differs from the manifest.</summary>
    Corrupt,

    /// <summary>The download source could not be reached; nothing changed.</summary>
    Unreachable,

    /// <summary>The download failed for another reason; nothing changed.</summary>
    Failed,
}
