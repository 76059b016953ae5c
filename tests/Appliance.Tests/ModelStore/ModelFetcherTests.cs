using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using VoiceAppliance.ModelStore;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests.ModelStore;

/// <summary>The model fetcher against a real HTTP server on 127.0.0.1.</summary>
public sealed class ModelFetcherTests : IDisposable
{
    private readonly byte[] _payload = RandomNumberGenerator.GetBytes(300_000);
    private readonly string _dir = TestPaths.NewTempDirectory("models");
    private readonly LocalHttpServer _server;
    private readonly HttpClient _http = new();

    public ModelFetcherTests() => _server = new LocalHttpServer(_payload);

    public void Dispose()
    {
        _server.Dispose();
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private ModelEntry Entry(string? sha = null, Uri? url = null) => new()
    {
        Name = "test-model",
        Kind = "stt",
        File = "sub/test-model.bin",
        Size = _payload.Length,
        Sha256 = sha ?? Convert.ToHexStringLower(SHA256.HashData(_payload)),
        License = "test",
        Url = url ?? _server.Url,
    };

    [Fact]
    public async Task Downloads_verifies_and_places_the_file()
    {
        var fetcher = new ModelFetcher(_http, _dir);
        var reports = new List<FetchProgress>();
        var result = await fetcher.FetchAsync(Entry(), allowUnpinned: false, new SyncProgress(reports.Add), CancellationToken.None);

        Assert.Equal(ModelStatus.Downloaded, result.Status);
        Assert.Equal(_payload, await File.ReadAllBytesAsync(Path.Combine(_dir, "sub/test-model.bin")));
        Assert.False(File.Exists(Path.Combine(_dir, "sub/test-model.bin.partial")));
        Assert.Equal(_payload.Length, reports[^1].Bytes);
    }

    [Fact]
    public async Task A_second_fetch_finds_the_file_verified_and_downloads_nothing()
    {
        var fetcher = new ModelFetcher(_http, _dir);
        await fetcher.FetchAsync(Entry(), false, null, CancellationToken.None);
        var requests = _server.Requests;

        var again = await fetcher.FetchAsync(Entry(), false, null, CancellationToken.None);

        Assert.Equal(ModelStatus.Ok, again.Status);
        Assert.Equal(requests, _server.Requests);
    }

    [Fact]
    public async Task An_interrupted_download_resumes_with_a_range_request()
    {
        var fetcher = new ModelFetcher(_http, _dir);
        _server.CutAfterBytes = 100_000;
        var first = await fetcher.FetchAsync(Entry(), false, null, CancellationToken.None);
        Assert.Equal(ModelStatus.Failed, first.Status);
        var partial = Path.Combine(_dir, "sub/test-model.bin.partial");
        Assert.True(File.Exists(partial));
        var kept = new FileInfo(partial).Length;
        Assert.InRange(kept, 1, _payload.Length - 1);

        _server.CutAfterBytes = null;
        var second = await fetcher.FetchAsync(Entry(), false, null, CancellationToken.None);

        Assert.Equal(ModelStatus.Downloaded, second.Status);
        Assert.Equal($"bytes={kept}-", _server.LastRange);
        Assert.Equal(_payload, await File.ReadAllBytesAsync(Path.Combine(_dir, "sub/test-model.bin")));
    }

    [Fact]
    public async Task A_server_that_ignores_ranges_gets_a_clean_restart()
    {
        var fetcher = new ModelFetcher(_http, _dir);
        Directory.CreateDirectory(Path.Combine(_dir, "sub"));
        await File.WriteAllBytesAsync(Path.Combine(_dir, "sub/test-model.bin.partial"), new byte[5000]);
        _server.IgnoreRange = true;

        var result = await fetcher.FetchAsync(Entry(), false, null, CancellationToken.None);

        Assert.Equal(ModelStatus.Downloaded, result.Status);
        Assert.Equal(_payload, await File.ReadAllBytesAsync(Path.Combine(_dir, "sub/test-model.bin")));
    }

    [Fact]
    public async Task A_checksum_mismatch_discards_the_download_and_names_both_hashes()
    {
        var fetcher = new ModelFetcher(_http, _dir);
        var wrong = new string('0', 64);
        var result = await fetcher.FetchAsync(Entry(sha: wrong), false, null, CancellationToken.None);

        Assert.Equal(ModelStatus.Corrupt, result.Status);
        Assert.Contains(wrong, result.Message, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(_payload)), result.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "sub/test-model.bin")));
        Assert.False(File.Exists(Path.Combine(_dir, "sub/test-model.bin.partial")));
    }

    [Fact]
    public async Task A_corrupted_file_on_disk_is_reported_with_the_fix_and_replaced_by_fetch()
    {
        var fetcher = new ModelFetcher(_http, _dir);
        Directory.CreateDirectory(Path.Combine(_dir, "sub"));
        var path = Path.Combine(_dir, "sub/test-model.bin");
        await File.WriteAllBytesAsync(path, new byte[10]);

        var verify = await fetcher.VerifyAsync(Entry(), CancellationToken.None);
        Assert.Equal(ModelStatus.Corrupt, verify.Status);
        Assert.Contains(path, verify.Message, StringComparison.Ordinal);
        Assert.Contains("appliance models fetch test-model", verify.Message, StringComparison.Ordinal);

        var fetched = await fetcher.FetchAsync(Entry(), false, null, CancellationToken.None);
        Assert.Equal(ModelStatus.Downloaded, fetched.Status);
        Assert.Equal(_payload, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task An_unreachable_host_is_reported_and_nothing_changes()
    {
        var fetcher = new ModelFetcher(_http, _dir);
        var closedPort = LocalHttpServer.FreePort();
        var result = await fetcher.FetchAsync(Entry(url: new Uri($"http://127.0.0.1:{closedPort}/x.bin")), false, null, CancellationToken.None);

        Assert.Equal(ModelStatus.Unreachable, result.Status);
        Assert.Contains("cannot reach 127.0.0.1", result.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "sub/test-model.bin")));
    }

    [Fact]
    public async Task An_unpinned_model_is_refused_unless_allowed()
    {
        var fetcher = new ModelFetcher(_http, _dir);
        var unpinned = Entry() with { Sha256 = null };

        var refused = await fetcher.FetchAsync(unpinned, allowUnpinned: false, null, CancellationToken.None);
        Assert.Equal(ModelStatus.Failed, refused.Status);
        Assert.Contains("--allow-unpinned", refused.Message, StringComparison.Ordinal);

        var allowed = await fetcher.FetchAsync(unpinned, allowUnpinned: true, null, CancellationToken.None);
        Assert.Equal(ModelStatus.Downloaded, allowed.Status);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(_payload)), allowed.Sha256);
    }

    [Fact]
    public void The_shipped_manifest_loads_and_pins_every_provisioned_model()
    {
        var manifest = ModelManifest.Load(Path.Combine(TestPaths.Models, "manifest.json"));
        Assert.Contains(manifest.Models, m => m.Name == "whisper-tiny.en" && m.Url is not null && m.Sha256 is not null);
        Assert.All(manifest.Models.Where(m => m.Url is null), m => Assert.NotNull(m.Sha256));
        Assert.All(manifest.Models, m => Assert.False(string.IsNullOrWhiteSpace(m.License)));
    }

    [Fact]
    public async Task Every_provisioned_model_verifies_against_the_manifest()
    {
        var manifest = ModelManifest.Load(Path.Combine(TestPaths.Models, "manifest.json"));
        using var http = new HttpClient();
        var fetcher = new ModelFetcher(http, TestPaths.Models);
        foreach (var entry in manifest.Models.Where(m => m.Url is null))
        {
            var result = await fetcher.VerifyAsync(entry, CancellationToken.None);
            Assert.True(result.Status == ModelStatus.Ok, result.Message);
        }
    }

    [Fact]
    public async Task A_manifest_with_a_bad_hash_is_rejected_naming_the_entry()
    {
        var path = Path.Combine(_dir, "manifest.json");
        await File.WriteAllTextAsync(path, """{"schema":1,"models":[{"name":"m","kind":"vad","file":"m.onnx","sha256":"xyz","license":"MIT"}]}""");
        var ex = Assert.Throws<InvalidDataException>(() => ModelManifest.Load(path));
        Assert.Contains("'m'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    private sealed class SyncProgress(Action<FetchProgress> report) : IProgress<FetchProgress>
    {
        public void Report(FetchProgress value) => report(value);
    }
}

/// <summary>A minimal HTTP/1.1 file server on 127.0.0.1 with Range support and fault injection.</summary>
internal sealed class LocalHttpServer : IDisposable
{
    private readonly byte[] _payload;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _loop;
    private int _requests;

    public LocalHttpServer(byte[] payload)
    {
        _payload = payload;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/model.bin");
        _loop = Task.Run(AcceptLoop);
    }

    public Uri Url { get; }

    public int Requests => Volatile.Read(ref _requests);

    public string? LastRange { get; private set; }

    public int? CutAfterBytes { get; set; }

    public bool IgnoreRange { get; set; }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private async Task AcceptLoop()
    {
        while (!_cts.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_cts.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                return;
            }

            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, leaveOpen: true);
            string? range = null;
            string? line;
            while (!string.IsNullOrEmpty(line = await reader.ReadLineAsync()))
            {
                if (line.StartsWith("Range:", StringComparison.OrdinalIgnoreCase))
                {
                    range = line["Range:".Length..].Trim();
                }
            }

            Interlocked.Increment(ref _requests);
            LastRange = range;
            var start = 0;
            if (range is not null && !IgnoreRange && range.StartsWith("bytes=", StringComparison.Ordinal))
            {
                start = int.Parse(range["bytes=".Length..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture);
            }

            var partial = start > 0;
            var body = _payload.AsMemory(start);
            var header = partial
                ? $"HTTP/1.1 206 Partial Content\r\nContent-Length: {body.Length}\r\nContent-Range: bytes {start}-{_payload.Length - 1}/{_payload.Length}\r\nConnection: close\r\n\r\n"
                : $"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nAccept-Ranges: bytes\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(header));
            if (CutAfterBytes is { } cut && cut < body.Length)
            {
                await stream.WriteAsync(body[..cut]);
                await stream.FlushAsync();
                client.Client.LingerState = new LingerOption(true, 0);
                client.Client.Close(); // RST mid-body: the client sees a truncated response
                return;
            }

            await stream.WriteAsync(body);
        }
    }

    public void Dispose()
    {
        _cts.Cancel();
        _listener.Stop();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }

        _cts.Dispose();
    }
}
