using System.Text;

namespace VoiceAppliance.Workflows;

/// <summary>
/// Which provider served each stage of a turn (<c>stt</c>, <c>llm</c>, <c>tts</c>) and every fallback taken, with its
/// reason; reported in the turn's events as <c>provider</c> and <c>fallback_reason</c>. Thread-safe (the reply's
/// stages run concurrently).
/// </summary>
public sealed class ProviderLog
{
    private readonly Lock _gate = new();
    private readonly List<(string Stage, string Provider)> _used = [];
    private readonly List<string> _fallbacks = [];

    /// <summary>Records that <paramref name="provider"/> served <paramref name="stage"/> (once per stage and provider).</summary>
    public void Used(string stage, string provider)
    {
        lock (_gate)
        {
            if (!_used.Contains((stage, provider)))
            {
                _used.Add((stage, provider));
            }
        }
    }

    /// <summary>Records a fallback from <paramref name="from"/> to <paramref name="to"/> for <paramref name="stage"/>.</summary>
    /// <param name="stage">stt, llm or tts.</param>
    /// <param name="from">The provider that failed or was skipped.</param>
    /// <param name="to">The provider used instead.</param>
    /// <param name="reason">The short reason (<c>timeout</c>, <c>http_429</c>, <c>circuit_open</c> ...).</param>
    public void FellBack(string stage, string from, string to, string reason)
    {
        lock (_gate)
        {
            _fallbacks.Add($"{stage}: {from} {reason} -> {to}");
        }

        Used(stage, to);
    }

    /// <summary>Records a problem the provider recovered from within the turn (e.g. a bad tool call answered with an error).</summary>
    public void Problem(string stage, string provider, string reason)
    {
        lock (_gate)
        {
            _fallbacks.Add($"{stage}: {provider} {reason}");
        }
    }

    /// <summary>The provider that last served <paramref name="stage"/>, or null.</summary>
    public string? ProviderOf(string stage)
    {
        lock (_gate)
        {
            for (var i = _used.Count - 1; i >= 0; i--)
            {
                if (_used[i].Stage == stage)
                {
                    return _used[i].Provider;
                }
            }

            return null;
        }
    }

    /// <summary>Whether a fallback was already taken for <paramref name="stage"/> in this turn.</summary>
    public bool FellBackIn(string stage)
    {
        lock (_gate)
        {
            return _fallbacks.Any(f => f.StartsWith(stage + ": ", StringComparison.Ordinal) && f.Contains(" -> ", StringComparison.Ordinal));
        }
    }

    /// <summary>Whether any fallback was taken.</summary>
    public bool AnyFallback
    {
        get
        {
            lock (_gate)
            {
                return _fallbacks.Count > 0;
            }
        }
    }

    /// <summary>The providers used, e.g. <c>stt=cloud-stt llm=cloud-llm tts=piper</c>; null when nothing was recorded.</summary>
    public string? Summary
    {
        get
        {
            lock (_gate)
            {
                if (_used.Count == 0)
                {
                    return null;
                }

                var sb = new StringBuilder();
                foreach (var (stage, provider) in _used)
                {
                    sb.Append(sb.Length == 0 ? string.Empty : " ").Append(stage).Append('=').Append(provider);
                }

                return sb.ToString();
            }
        }
    }

    /// <summary>The fallbacks, e.g. <c>tts: cloud-tts http_500 -> piper</c> (several joined by <c>; </c>); null when none.</summary>
    public string? FallbackReasons
    {
        get
        {
            lock (_gate)
            {
                return _fallbacks.Count == 0 ? null : string.Join("; ", _fallbacks);
            }
        }
    }
}
