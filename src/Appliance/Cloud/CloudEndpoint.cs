using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace VoiceAppliance.Cloud;

/// <summary>
/// One configured provider's HTTP side: an <see cref="HttpClient"/> on <see cref="SocketsHttpHandler"/> (connect
/// timeout, pooled connections), its API key, the first-byte and total limits, the safe retries (429 with
/// Retry-After, 502-504 and failed connects, before any of the answer was used) and the circuit breaker. Created
/// only when the provider is configured.
/// </summary>
public sealed partial class CloudEndpoint : IDisposable
{
    private const int ErrorBodyBytes = 4096;

    private readonly HttpClient _http;
    private readonly ApiKey? _key;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the endpoint.</summary>
    /// <param name="options">The provider.</param>
    /// <param name="key">Its API key (null: none is sent).</param>
    /// <param name="time">Time (retry delays, the breaker).</param>
    /// <param name="logger">Logs failures (never the key, the request body or the audio).</param>
    /// <param name="handler">Test seam; null: a <see cref="SocketsHttpHandler"/> with the options' connect timeout.</param>
    public CloudEndpoint(CloudProviderOptions options, ApiKey? key, TimeProvider time, ILogger logger, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        Options = options;
        _key = key;
        _time = time;
        _logger = logger;
        Breaker = new CircuitBreaker(options.FailureThreshold, options.CoolDown, time);
        _http = new HttpClient(handler ?? new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // this class enforces the limits, per stage
        };
        _http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", "voice-appliance");
    }

    /// <summary>The provider's options.</summary>
    public CloudProviderOptions Options { get; }

    /// <summary>The provider's circuit breaker.</summary>
    public CircuitBreaker Breaker { get; }

    /// <summary>Name in reports.</summary>
    public string Name => Options.ReportName;

    /// <summary>
    /// Posts to <paramref name="path"/> and returns the response once its headers are in (status 2xx). Retries what is
    /// safe to repeat. The caller reads the body through <see cref="CloudResponse.Body"/> (bounded, with the idle
    /// limit) and disposes it. Does not touch the breaker: the caller knows when the whole call succeeded.
    /// </summary>
    /// <exception cref="CloudProviderException">Any failure, with its <see cref="CloudProviderException.Reason"/>.</exception>
    public async Task<CloudResponse> PostAsync(string path, Func<HttpContent> content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var total = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        total.CancelAfter(Options.TotalTimeout);
        var started = _time.GetTimestamp();
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var (response, failure, retryAfter) = await TryOnceAsync(path, content, total.Token, cancellationToken).ConfigureAwait(false);
                if (response is not null)
                {
                    return new CloudResponse(response, total, Options, cancellationToken);
                }

                var remaining = Options.TotalTimeout - _time.GetElapsedTime(started);
                var wait = retryAfter ?? TimeSpan.FromMilliseconds(200 * attempt);
                var retryable = failure!.Reason is "http_429" or "http_502" or "http_503" or "http_504" or "connect_failed";
                if (!retryable || attempt >= Options.MaxAttempts || wait > remaining || wait > Options.FirstByteTimeout)
                {
                    if (retryable && retryAfter is { } ra && attempt < Options.MaxAttempts)
                    {
                        failure = new CloudProviderException(failure.Reason, $"{failure.Message}; the server asks to retry after {ra.TotalSeconds:0.#} s, longer than this turn can wait", failure.InnerException);
                    }

                    throw failure;
                }

                LogRetry(_logger, Name, failure.Reason, wait.TotalMilliseconds, attempt);
                await Task.Delay(wait, _time, total.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            total.Dispose();
            throw new CloudProviderException("timeout", $"{Name}: no answer within the total timeout of {Options.TotalTimeout.TotalMilliseconds:0} ms");
        }
        catch
        {
            total.Dispose();
            throw;
        }
    }

    /// <summary>Removes the API key from <paramref name="text"/> (server error messages can echo a request).</summary>
    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _key is null ? text : text.Replace(_key.Secret, "[redacted]", StringComparison.Ordinal);
    }

    /// <summary>
    /// Advances <paramref name="stream"/>, a streamed answer of this provider (named <paramref name="provider"/>): a
    /// failure of any kind other than the caller's cancellation comes back as a <see cref="CloudProviderException"/>
    /// with the key redacted, for the caller's fallback, instead of being thrown.
    /// </summary>
    internal async ValueTask<(bool Moved, CloudProviderException? Failure)> MoveNextAsync<T>(IAsyncEnumerator<T> stream, string provider, CancellationToken cancellationToken)
    {
        try
        {
            return (await stream.MoveNextAsync().ConfigureAwait(false), null);
        }
        catch (CloudProviderException ex)
        {
            return (false, ex);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, new CloudProviderException("error", $"{provider}: {ex.GetType().Name}: {Redact(ex.Message)}", ex));
        }
    }

    /// <summary>Disposes the client.</summary>
    public void Dispose() => _http.Dispose();

    private async Task<(HttpResponseMessage? Response, CloudProviderException? Failure, TimeSpan? RetryAfter)> TryOnceAsync(string path, Func<HttpContent> content, CancellationToken total, CancellationToken caller)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Options.Endpoint(path)) { Content = content() };
        if (_key is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", _key.BearerValue);
        }

        using var firstByte = CancellationTokenSource.CreateLinkedTokenSource(total);
        firstByte.CancelAfter(Options.FirstByteTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, firstByte.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!caller.IsCancellationRequested && !total.IsCancellationRequested)
        {
            // SocketsHttpHandler reports its connect timeout as a cancellation with a TimeoutException inside.
            return (null, new CloudProviderException("timeout", $"{Name}: no response headers within {Options.FirstByteTimeout.TotalMilliseconds:0} ms (connect limit {Options.ConnectTimeout.TotalMilliseconds:0} ms)"), null);
        }
        catch (HttpRequestException ex)
        {
            var reason = ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.ProxyTunnelError ? "connect_failed" : "connection_error";
            return (null, new CloudProviderException(reason, $"{Name}: {Redact(ex.Message)} ({ex.HttpRequestError})", ex), null);
        }

        if (response.IsSuccessStatusCode)
        {
            return (response, null, null);
        }

        using (response)
        {
            var code = (int)response.StatusCode;
            var message = await ReadErrorAsync(response, total).ConfigureAwait(false);
            var retryAfter = RetryAfter(response);
            var hint = code switch
            {
                401 or 403 => " (check the key in ApiKeyFile and the account's access to the model)",
                404 => " (check BaseUrl and Model)",
                429 => " (rate limited or out of quota)",
                _ => string.Empty,
            };
            return (null, new CloudProviderException(string.Create(CultureInfo.InvariantCulture, $"http_{code}"), string.Create(CultureInfo.InvariantCulture, $"{Name}: HTTP {code}{hint}{(message.Length > 0 ? ": " + message : string.Empty)}")), retryAfter);
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - _time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    private async Task<string> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(Options.FirstByteTimeout);
            var stream = await response.Content.ReadAsStreamAsync(cts.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var buffer = new byte[ErrorBodyBytes];
                var read = 0;
                int n;
                while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cts.Token).ConfigureAwait(false)) > 0)
                {
                    read += n;
                }

                var text = Encoding.UTF8.GetString(buffer, 0, read);
                try
                {
                    if (JsonSerializer.Deserialize(text, CloudJsonContext.Default.ApiErrorBody)?.Error?.Message is { Length: > 0 } m)
                    {
                        text = m;
                    }
                }
                catch (JsonException)
                {
                    // not the documented error shape: show the start of the body
                }

                text = text.ReplaceLineEndings(" ").Trim();
                return Redact(text.Length > 200 ? text[..200] + "..." : text);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
        {
            return string.Empty;
        }
    }

    [LoggerMessage(EventId = 180, Level = LogLevel.Information, Message = "{Provider}: {Reason}, retrying in {DelayMs} ms (attempt {Attempt})")]
    private static partial void LogRetry(ILogger logger, string provider, string reason, double delayMs, int attempt);
}
