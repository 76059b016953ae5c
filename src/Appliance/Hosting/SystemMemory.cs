using System.Globalization;

namespace VoiceAppliance.Hosting;

/// <summary>The machine's memory, from <c>/proc/meminfo</c>.</summary>
internal static class SystemMemory
{
    /// <summary>MemTotal in bytes, or null when <c>/proc/meminfo</c> cannot be read or parsed.</summary>
    public static long? TotalBytes(string path = "/proc/meminfo")
    {
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                // "MemTotal:        3884320 kB"
                if (!line.StartsWith("MemTotal:", StringComparison.Ordinal))
                {
                    continue;
                }

                var parts = line["MemTotal:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return parts.Length == 2 && parts[1] == "kB" && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kb) && kb is > 0 and < long.MaxValue / 1024
                    ? kb * 1024
                    : null;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }
}
