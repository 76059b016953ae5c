using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace VoiceAppliance.Benchmarks.Audio;

/// <summary>
/// Short, stable in-process runs for the audio suites (the build machines have 2 shared cores): one launch, 3 warm-ups,
/// 8 measured iterations, memory diagnoser on, results grouped by category so every SIMD path is shown as a
/// ratio to its scalar reference (the baseline of its category).
/// </summary>
public sealed class AudioBenchConfig : ManualConfig
{
    public AudioBenchConfig()
    {
        // In process: the bench project's assembly name differs from its .csproj name, which the default
        // out-of-process toolchain cannot map; in-process also spares the 2-core build machines a rebuild.
        AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(8).WithToolchain(InProcessEmitToolchain.Instance));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(CategoriesColumn.Default);
        AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory);
        WithOptions(ConfigOptions.JoinSummary);
        HideColumns(Column.Error, Column.StdDev, Column.Median, Column.RatioSD);
    }
}
