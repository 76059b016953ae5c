using System.Net.Http;

namespace VoiceAppliance.Cloud;

/// <summary>
/// A response body that fails with a clear <see cref="CloudProviderException"/> when it grows past the limit
/// (<c>too_large</c>), when the server goes silent for longer than the first-byte limit or the total timeout passes
/// (<c>timeout</c>), or when the connection breaks (<c>stream_cut</c>). Read-only, forward-only.
/// </summary>
internal sealed class BoundedBodyStream(Stream inner, CloudProviderOptions options, CancellationToken total, CancellationToken caller) : Stream
{
    private readonly CancellationTokenSource _idle = CancellationTokenSource.CreateLinkedTokenSource(total);
    private long _read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using var link = cancellationToken.CanBeCanceled ? cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _idle) : default;
        _idle.CancelAfter(options.FirstByteTimeout);
        int n;
        try
        {
            n = await inner.ReadAsync(buffer, _idle.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!caller.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new CloudProviderException("timeout", total.IsCancellationRequested
                ? $"{options.ReportName}: the answer did not finish within the total timeout of {options.TotalTimeout.TotalMilliseconds:0} ms"
                : $"{options.ReportName}: the answer stopped: nothing for {options.FirstByteTimeout.TotalMilliseconds:0} ms after {_read} bytes");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw new CloudProviderException("stream_cut", $"{options.ReportName}: the connection broke after {_read} bytes ({ex.Message})", ex);
        }

        _idle.CancelAfter(Timeout.InfiniteTimeSpan);
        _read += n;
        if (_read > options.MaxResponseBytes)
        {
            throw new CloudProviderException("too_large", $"{options.ReportName}: the answer passed the limit of {options.MaxResponseBytes} bytes (MaxResponseKiB); the rest is not read");
        }

        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("read asynchronously");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _idle.Dispose();
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
