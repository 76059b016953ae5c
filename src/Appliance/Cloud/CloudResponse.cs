namespace VoiceAppliance.Cloud;

/// <summary>
/// A successful response whose body is still to be read: the body stream enforces the provider's size limit and
/// the longest silence between reads, and turns both (and the total timeout) into <see cref="CloudProviderException"/>.
/// </summary>
public sealed class CloudResponse : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _total;
    private readonly CloudProviderOptions _options;
    private readonly CancellationToken _caller;
    private BoundedBodyStream? _body;

    internal CloudResponse(HttpResponseMessage response, CancellationTokenSource total, CloudProviderOptions options, CancellationToken caller)
    {
        _response = response;
        _total = total;
        _options = options;
        _caller = caller;
    }

    /// <summary>The content type the server declared (null when none).</summary>
    public string? MediaType => _response.Content.Headers.ContentType?.MediaType;

    /// <summary>A token cancelled at the total timeout or by the caller.</summary>
    public CancellationToken Token => _total.Token;

    /// <summary>Opens the body.</summary>
    /// <exception cref="CloudProviderException">The declared length is over the limit.</exception>
    public async Task<Stream> OpenBodyAsync()
    {
        if (_response.Content.Headers.ContentLength is { } length && length > _options.MaxResponseBytes)
        {
            throw new CloudProviderException("too_large", $"{_options.ReportName}: the answer is {length} bytes, over the limit of {_options.MaxResponseBytes} (MaxResponseKiB)");
        }

        try
        {
            var inner = await _response.Content.ReadAsStreamAsync(_total.Token).ConfigureAwait(false);
            return _body = new BoundedBodyStream(inner, _options, _total.Token, _caller);
        }
        catch (OperationCanceledException) when (!_caller.IsCancellationRequested)
        {
            throw new CloudProviderException("timeout", $"{_options.ReportName}: no answer within the total timeout of {_options.TotalTimeout.TotalMilliseconds:0} ms");
        }
    }

    /// <summary>Releases the connection.</summary>
    public void Dispose()
    {
        _body?.Dispose();
        _response.Dispose();
        _total.Dispose();
    }
}
