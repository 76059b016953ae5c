using System.Text.Json;

namespace VoiceAppliance.Configuration;

/// <summary>
/// The configuration as flat, case-insensitive keys (<c>Section:Key</c>, arrays as <c>Section:Key:0</c>): the
/// JSON file first, then environment variables <c>APPLIANCE__Section__Key</c> over it. Parsed with
/// <see cref="JsonDocument"/> by hand: no reflection, AOT-safe. Collects issues instead of throwing, so one run
/// reports every problem.
/// </summary>
public sealed class ConfigSource
{
    /// <summary>The prefix of environment overrides; <c>__</c> separates levels.</summary>
    public const string EnvironmentPrefix = "APPLIANCE__";

    private readonly Dictionary<string, string?> _values = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _origins = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _known = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _knownPrefixes = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<ConfigIssue> _issues = [];

    private ConfigSource(string origin) => Origin = origin;

    /// <summary>Where the file came from (its path, or a description).</summary>
    public string Origin { get; }

    /// <summary>Every issue so far.</summary>
    public IReadOnlyList<ConfigIssue> Issues => _issues;

    /// <summary>All keys and values after overrides.</summary>
    public IReadOnlyDictionary<string, string?> Values => _values;

    /// <summary>
    /// Reads <paramref name="path"/> (a missing or malformed file becomes an error issue, not an exception) and
    /// applies the overrides found in <paramref name="environment"/> (null: the process environment).
    /// </summary>
    public static ConfigSource Load(string path, IReadOnlyDictionary<string, string?>? environment = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string? json = null;
        var source = new ConfigSource(path);
        try
        {
            json = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            source.AddError(string.Empty, $"configuration file {path} not found. Copy one of the examples (config/*.json, installed under /usr/share/appliance/config/) to {path}, or name another file with --config.");
        }
        catch (DirectoryNotFoundException)
        {
            source.AddError(string.Empty, $"configuration file {path} not found (its directory does not exist). Copy one of the examples (config/*.json) there, or name another file with --config.");
        }
        catch (UnauthorizedAccessException)
        {
            source.AddError(string.Empty, $"configuration file {path} is not readable by this user; make it readable by the service user (chmod 640, group appliance).");
        }

        if (json is not null)
        {
            source.ParseJson(json);
        }

        source.ApplyEnvironment(environment ?? ReadProcessEnvironment());
        return source;
    }

    /// <summary>Builds a source from JSON text (tests, <c>config check</c> of a string).</summary>
    public static ConfigSource FromJson(string json, string origin = "(inline)", IReadOnlyDictionary<string, string?>? environment = null)
    {
        var source = new ConfigSource(origin);
        source.ParseJson(json);
        source.ApplyEnvironment(environment ?? new Dictionary<string, string?>());
        return source;
    }

    /// <summary>A reader for one top-level section.</summary>
    public ConfigSectionReader Section(string name) => new(this, name);

    /// <summary>The environment variables of this process.</summary>
    public static IReadOnlyDictionary<string, string?> ReadProcessEnvironment()
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            env[(string)e.Key] = e.Value as string;
        }

        return env;
    }

    internal bool TryGet(string key, out string? value, out string origin)
    {
        _known.Add(key);
        origin = _origins.TryGetValue(key, out var o) ? o : Origin;
        return _values.TryGetValue(key, out value);
    }

    internal void MarkKnownPrefix(string prefix) => _knownPrefixes.Add(prefix);

    internal IEnumerable<string> KeysUnder(string prefix)
    {
        var p = prefix + ":";
        return _values.Keys.Where(k => k.StartsWith(p, StringComparison.OrdinalIgnoreCase));
    }

    internal string OriginOf(string key) => _origins.TryGetValue(key, out var o) ? o : Origin;

    internal void AddError(string key, string message) => _issues.Add(new ConfigIssue(ConfigSeverity.Error, key, message));

    internal void AddWarning(string key, string message) => _issues.Add(new ConfigIssue(ConfigSeverity.Warning, key, message));

    /// <summary>
    /// Warns about every key no section asked for: a whole unknown section, or an unknown key in a known one
    /// (with the nearest known key as a suggestion). Call after all sections were read.
    /// </summary>
    public void ReportUnknownKeys(IReadOnlyCollection<string> sections)
    {
        ArgumentNullException.ThrowIfNull(sections);
        var reportedSections = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var key in _values.Keys.Order(StringComparer.OrdinalIgnoreCase))
        {
            var top = key.Split(':')[0];
            if (!sections.Contains(top, StringComparer.OrdinalIgnoreCase))
            {
                if (reportedSections.Add(top))
                {
                    var near = Nearest(top, sections);
                    AddWarning(top, $"unknown section '{top}' ({OriginOf(key)}) is ignored{(near is null ? string.Empty : $"; did you mean '{near}'?")} Known sections: {string.Join(", ", sections)}.");
                }

                continue;
            }

            if (_known.Contains(key) || _knownPrefixes.Any(p => key.StartsWith(p + ":", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var siblings = _known.Where(k => k.StartsWith(top + ":", StringComparison.OrdinalIgnoreCase)).ToList();
            var nearKey = Nearest(key, siblings);
            AddWarning(key, $"unknown key ({OriginOf(key)}) is ignored{(nearKey is null ? "." : $"; did you mean '{nearKey}'?")}");
        }
    }

    private static string? Nearest(string word, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            var d = Distance(word.ToUpperInvariant(), c.ToUpperInvariant());
            if (d < bestDistance)
            {
                bestDistance = d;
                best = c;
            }
        }

        return bestDistance <= Math.Max(2, word.Length / 4) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            prev[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (prev, cur) = (cur, prev);
        }

        return prev[b.Length];
    }

    private void ParseJson(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                AddError(string.Empty, $"{Origin}: the top level must be a JSON object {{ \"Section\": {{ ... }} }}, not {doc.RootElement.ValueKind}.");
                return;
            }

            Flatten(doc.RootElement, string.Empty);
        }
        catch (JsonException ex)
        {
            AddError(string.Empty, $"{Origin} is not valid JSON: line {(ex.LineNumber ?? 0) + 1}, column {(ex.BytePositionInLine ?? 0) + 1}: {FirstSentence(ex.Message)} Fix the file (a JSON linter such as `python3 -m json.tool` shows the spot).");
        }
    }

    private static string FirstSentence(string message)
    {
        var i = message.IndexOf(". ", StringComparison.Ordinal);
        return i < 0 ? message : message[..(i + 1)];
    }

    private void Flatten(JsonElement element, string prefix)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    if (p.Name.Contains(':', StringComparison.Ordinal))
                    {
                        AddError(prefix, $"key '{p.Name}' may not contain ':'; nest objects instead.");
                        continue;
                    }

                    Flatten(p.Value, prefix.Length == 0 ? p.Name : prefix + ":" + p.Name);
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Flatten(item, prefix + ":" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    i++;
                }

                if (i == 0)
                {
                    Set(prefix, string.Empty, Origin);
                }

                break;
            case JsonValueKind.String:
                Set(prefix, element.GetString(), Origin);
                break;
            case JsonValueKind.Null:
                Set(prefix, null, Origin);
                break;
            default:
                Set(prefix, element.GetRawText(), Origin);
                break;
        }
    }

    private void ApplyEnvironment(IReadOnlyDictionary<string, string?> environment)
    {
        foreach (var (name, value) in environment)
        {
            if (!name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase) || name.Length == EnvironmentPrefix.Length)
            {
                continue;
            }

            var key = name[EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal);
            foreach (var stale in KeysUnder(key).ToList())
            {
                // an override of an array or object replaces it
                _values.Remove(stale);
            }

            Set(key, value, $"environment variable {name}");
        }
    }

    private void Set(string key, string? value, string origin)
    {
        _values[key] = value;
        _origins[key] = origin;
    }
}
