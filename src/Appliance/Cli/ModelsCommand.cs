using VoiceAppliance.ModelStore;

namespace VoiceAppliance.Cli;

/// <summary><c>appliance models list|fetch|verify [NAME...] [--allow-unpinned]</c>.</summary>
public static class ModelsCommand
{
    /// <summary>Runs the subcommand.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Length == 0 || args[0] is not ("list" or "fetch" or "verify"))
        {
            await stderr.WriteLineAsync("usage: appliance models list|fetch|verify [NAME...] [--allow-unpinned]").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var dir = ModelPaths.Directory;
        var manifestPath = dir is null ? null : Path.Combine(dir, "manifest.json");
        if (manifestPath is null || !File.Exists(manifestPath))
        {
            await stderr.WriteLineAsync($"appliance models: no models/manifest.json found (models directory: {dir ?? "none"}). Fix: set APPLIANCE_MODELS_DIR or run from the installed appliance folder.").ConfigureAwait(false);
            return ExitCodes.MissingDependency;
        }

        ModelManifest manifest;
        try
        {
            manifest = ModelManifest.Load(manifestPath);
        }
        catch (InvalidDataException ex)
        {
            await stderr.WriteLineAsync($"appliance models: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.DataError;
        }

        var allowUnpinned = args.Contains("--allow-unpinned", StringComparer.Ordinal);
        var names = args.Skip(1).Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
        var unknown = names.Where(n => manifest.Find(n) is null).ToList();
        if (unknown.Count > 0)
        {
            await stderr.WriteLineAsync($"appliance models: unknown model(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", manifest.Models.Select(m => m.Name))}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var selected = names.Count > 0 ? names.Select(n => manifest.Find(n)!).ToList() : manifest.Models.ToList();
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
        var fetcher = new ModelFetcher(http, dir!);

        switch (args[0])
        {
            case "list":
                foreach (var m in selected)
                {
                    var present = File.Exists(fetcher.PathOf(m)) ? "present" : "absent ";
                    var size = m.Size is { } s ? $"{s / 1e6,7:F1} MB" : "      ? MB";
                    await stdout.WriteLineAsync($"{m.Name,-44} {m.Kind,-6} {present} {size}  {m.License}").ConfigureAwait(false);
                }

                return ExitCodes.Ok;

            case "verify":
            {
                var bad = 0;
                foreach (var m in selected)
                {
                    var r = await fetcher.VerifyAsync(m, cancellationToken).ConfigureAwait(false);
                    // Downloadable models that are simply absent are optional; corrupt files are errors.
                    var failed = r.Status == ModelStatus.Corrupt || (r.Status == ModelStatus.Missing && (m.Url is null || names.Count > 0));
                    bad += failed ? 1 : 0;
                    await stdout.WriteLineAsync($"{(failed ? "FAIL" : r.Status == ModelStatus.Ok ? "ok  " : "--  ")} {m.Name}: {r.Message}").ConfigureAwait(false);
                }

                return bad == 0 ? ExitCodes.Ok : ExitCodes.DataError;
            }

            default:
            {
                var failures = 0;
                var progress = new ConsoleProgress(stderr);
                foreach (var m in selected.Where(m => m.Url is not null || names.Count > 0))
                {
                    var r = await fetcher.FetchAsync(m, allowUnpinned, progress, cancellationToken).ConfigureAwait(false);
                    progress.Done();
                    failures += r.Status is ModelStatus.Ok or ModelStatus.Downloaded ? 0 : 1;
                    await stdout.WriteLineAsync($"{r.Status.ToString().ToLowerInvariant(),-11} {m.Name}: {r.Message}").ConfigureAwait(false);
                }

                return failures == 0 ? ExitCodes.Ok : ExitCodes.MissingDependency;
            }
        }
    }

    private sealed class ConsoleProgress(TextWriter output) : IProgress<FetchProgress>
    {
        private bool _drawn;

        public void Report(FetchProgress value)
        {
            var total = value.Total is > 0 ? value.Total.Value : 0;
            var bar = total > 0 ? new string('#', (int)(30 * value.Bytes / total)).PadRight(30) : new string('?', 30);
            output.Write($"\r{value.Entry.Name,-30} [{bar}] {value.Bytes / 1e6,7:F1} MB");
            _drawn = true;
        }

        public void Done()
        {
            if (_drawn)
            {
                output.WriteLine();
                _drawn = false;
            }
        }
    }
}
