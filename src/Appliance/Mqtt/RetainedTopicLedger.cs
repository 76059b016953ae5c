using System.Text;

namespace VoiceAppliance.Mqtt;

/// <summary>
/// <c>&lt;StateDirectory&gt;/mqtt-retained.txt</c>: the retained topics this appliance last published (one a line),
/// so that a renamed device, discovery switched off, or <c>appliance mqtt forget</c> can clear exactly those and
/// leave no ghost device in Home Assistant.
/// </summary>
internal static class RetainedTopicLedger
{
    public const string FileName = "mqtt-retained.txt";
    private const int MaxTopics = 64;       // a handful in practice; anything more is not ours
    private const int MaxTopicLength = 1024;

    /// <summary>The topics recorded, or none when there is no ledger; lines that cannot be topics are skipped.</summary>
    public static IReadOnlyList<string> Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path) || new FileInfo(path).Length > MaxTopics * (MaxTopicLength + 1))
        {
            return [];
        }

        return [.. File.ReadLines(path, Encoding.UTF8)
            .Select(l => l.Trim())
            .Where(l => l.Length is > 0 and <= MaxTopicLength && !l.Contains('#', StringComparison.Ordinal) && !l.Contains('+', StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .Take(MaxTopics)];
    }

    /// <summary>Records <paramref name="topics"/> (written to a temp file and renamed: never half a list).</summary>
    public static void Save(string directory, IEnumerable<string> topics)
    {
        var path = Path.Combine(directory, FileName);
        var tmp = path + ".tmp";
        File.WriteAllLines(tmp, topics, new UTF8Encoding(false));
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Removes the ledger (after <c>appliance mqtt forget</c>).</summary>
    public static void Delete(string directory) => File.Delete(Path.Combine(directory, FileName));
}
