using System.Globalization;

namespace VoiceAppliance.Configuration;

/// <summary>
/// Typed, validating access to one section. Every getter takes the default used when the key is absent;
/// a present but bad value records an error naming the key, the value, where it came from and what is
/// allowed, and returns the default so that reading goes on and every problem is reported in one pass.
/// Each key asked for is remembered, so keys nobody asked for can be warned about.
/// </summary>
public sealed class ConfigSectionReader
{
    /// <summary>Longest part of a bad value quoted back in a message.</summary>
    private const int QuotedLength = 80;

    private readonly ConfigSource _source;

    internal ConfigSectionReader(ConfigSource source, string path)
    {
        _source = source;
        Path = path;
    }

    /// <summary>The section path, e.g. <c>Leds</c> or <c>Leds:Patterns:Listening</c>.</summary>
    public string Path { get; }

    /// <summary>A nested section.</summary>
    public ConfigSectionReader Section(string key) => new(_source, Key(key));

    /// <summary>True when the key (or anything under it) is present.</summary>
    public bool Has(string key)
    {
        var full = Key(key);
        return _source.TryGet(full, out _, out _) || _source.KeysUnder(full).Any();
    }

    /// <summary>The names of the child keys present under <paramref name="key"/> (or under this section when null).</summary>
    public IReadOnlyList<string> ChildNames(string? key = null)
    {
        var prefix = key is null ? Path : Key(key);
        return _source.KeysUnder(prefix)
            .Select(k => k[(prefix.Length + 1)..].Split(':')[0])
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    /// <summary>Records an error on <paramref name="key"/> (empty: the section itself), for cross-field checks.</summary>
    public void Error(string key, string message) => _source.AddError(key.Length == 0 ? Path : Key(key), message);

    /// <summary>Treats every key under this section as known (for sections another component reads).</summary>
    public void AcceptAllKeys() => _source.MarkKnownPrefix(Path);

    /// <summary>Records a warning on <paramref name="key"/>.</summary>
    public void Warning(string key, string message) => _source.AddWarning(Key(key), message);

    /// <summary>Longest string value accepted unless a key says otherwise (a path's limit, PATH_MAX).</summary>
    public const int DefaultMaxStringLength = 4096;

    /// <summary>
    /// A string; <paramref name="allowEmpty"/> false turns an empty value into an error, and one longer than
    /// <paramref name="maxLength"/> characters is an error.
    /// </summary>
    public string GetString(string key, string defaultValue, bool allowEmpty = false, int maxLength = DefaultMaxStringLength)
    {
        if (!Get(key, out var raw, out var origin) || raw is null)
        {
            return defaultValue;
        }

        if (raw.Length > maxLength)
        {
            Bad(key, raw, origin, $"at most {maxLength} characters");
            return defaultValue;
        }

        if (!allowEmpty && raw.Trim().Length == 0)
        {
            Bad(key, raw, origin, "a non-empty string");
            return defaultValue;
        }

        return raw;
    }

    /// <summary>An optional string (null or empty when absent).</summary>
    public string? GetOptionalString(string key) => Get(key, out var raw, out _) && !string.IsNullOrWhiteSpace(raw) ? raw : null;

    /// <summary>true/false (also 1/0, yes/no, on/off).</summary>
    public bool GetBool(string key, bool defaultValue)
    {
        if (!Get(key, out var raw, out var origin) || raw is null)
        {
            return defaultValue;
        }

        switch (raw.Trim().ToUpperInvariant())
        {
            case "TRUE" or "1" or "YES" or "ON":
                return true;
            case "FALSE" or "0" or "NO" or "OFF":
                return false;
            default:
                Bad(key, raw, origin, "true or false");
                return defaultValue;
        }
    }

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int GetInt(string key, int defaultValue, int min = int.MinValue, int max = int.MaxValue)
    {
        if (!Get(key, out var raw, out var origin) || raw is null)
        {
            return defaultValue;
        }

        if (!int.TryParse(raw.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
        {
            Bad(key, raw, origin, $"a whole number from {min} to {max}");
            return defaultValue;
        }

        return v;
    }

    /// <summary>A number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public double GetDouble(string key, double defaultValue, double min = double.MinValue, double max = double.MaxValue)
    {
        if (!Get(key, out var raw, out var origin) || raw is null)
        {
            return defaultValue;
        }

        if (!double.TryParse(raw.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v) || v < min || v > max)
        {
            Bad(key, raw, origin, $"a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
            return defaultValue;
        }

        return v;
    }

    /// <summary>A duration given in milliseconds (keys named <c>...Ms</c>).</summary>
    public TimeSpan GetMilliseconds(string key, TimeSpan defaultValue, TimeSpan min, TimeSpan max)
    {
        var ms = GetInt(key, (int)defaultValue.TotalMilliseconds, (int)min.TotalMilliseconds, (int)max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ms);
    }

    /// <summary>
    /// One of the names of <typeparamref name="TEnum"/>, case-insensitive, with <c>-</c> and <c>_</c> ignored
    /// (<c>hold-or-tap</c> = <c>HoldOrTap</c>). Numbers are refused.
    /// </summary>
    public TEnum GetEnum<TEnum>(string key, TEnum defaultValue)
        where TEnum : struct, Enum
    {
        if (!Get(key, out var raw, out var origin) || raw is null)
        {
            return defaultValue;
        }

        var wanted = Normalize(raw);
        foreach (var name in System.Enum.GetNames<TEnum>())
        {
            if (string.Equals(Normalize(name), wanted, StringComparison.OrdinalIgnoreCase))
            {
                return System.Enum.Parse<TEnum>(name);
            }
        }

        Bad(key, raw, origin, "one of " + string.Join(", ", System.Enum.GetNames<TEnum>().Select(Kebab)));
        return defaultValue;
    }

    /// <summary>A JSON array of strings (or a comma-separated string, e.g. from an environment variable).</summary>
    public IReadOnlyList<string> GetStringList(string key, IReadOnlyList<string> defaultValue)
    {
        var full = Key(key);
        _source.MarkKnownPrefix(full);
        if (_source.TryGet(full, out var scalar, out _) && scalar is not null)
        {
            return scalar.Length == 0 ? [] : scalar.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        var items = _source.KeysUnder(full)
            .Select(k => (Index: int.TryParse(k[(full.Length + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : -1, Key: k))
            .ToList();
        if (items.Count == 0)
        {
            return defaultValue;
        }

        if (items.Any(i => i.Index < 0))
        {
            _source.AddError(full, $"must be a list of strings, e.g. [\"17\", \"27\"] ({_source.OriginOf(items[0].Key)}).");
            return defaultValue;
        }

        return items.OrderBy(i => i.Index).Select(i => _source.Values[i.Key] ?? string.Empty).ToList();
    }

    private string Key(string key) => Path + ":" + key;

    private bool Get(string key, out string? raw, out string origin)
    {
        if (!_source.TryGet(Key(key), out raw, out origin))
        {
            return false;
        }

        // Control characters (a NUL would cut a device name short at the C boundary; ESC sequences repaint the
        // terminal that shows the message) are refused for every key; tab and line breaks are allowed.
        if (raw is not null && HasControlCharacters(raw))
        {
            Bad(key, raw, origin, "text without control characters");
            raw = null;
            return false;
        }

        return true;
    }

    private void Bad(string key, string raw, string origin, string allowed)
        => _source.AddError(Key(key), $"'{Quote(raw)}' ({origin}) is not allowed; expected {allowed}.");

    private static bool HasControlCharacters(string raw)
    {
        foreach (var c in raw)
        {
            if ((c < ' ' && c is not '\t' and not '\r' and not '\n') || c == '\u007f')
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A value as it can be shown: control characters escaped, cut after <see cref="QuotedLength"/> characters.</summary>
    internal static string Quote(string raw)
    {
        var sb = new System.Text.StringBuilder(Math.Min(raw.Length, QuotedLength) + 16);
        foreach (var c in raw.AsSpan(0, Math.Min(raw.Length, QuotedLength)))
        {
            _ = char.IsControl(c) ? sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)) : sb.Append(c);
        }

        return raw.Length > QuotedLength ? sb.Append(CultureInfo.InvariantCulture, $"... ({raw.Length} characters)").ToString() : sb.ToString();
    }

    private static string Normalize(string s) => s.Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal).Trim();

    internal static string Kebab(string pascal)
    {
        var sb = new System.Text.StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            if (i > 0 && char.IsUpper(pascal[i]))
            {
                sb.Append('-');
            }

            sb.Append(char.ToLowerInvariant(pascal[i]));
        }

        return sb.ToString();
    }
}
