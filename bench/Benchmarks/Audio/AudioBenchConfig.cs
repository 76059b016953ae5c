using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace VoiceAppliance.Benchmarks.Audio;

/// <summary>
/// Short, stable runs for the audio suites (the build machines have 2 shared cores): one launch, 3 warm-ups,
/// 8 measured iterations, memory diagnoser on, results grouped by category so every SIMD path is shown as a
/// ratio to its scalar reference (the baseline of its category).
/// </summary>
public sealed class AudioBenchConfig : ManualConfig
{
    public AudioBenchConfig()
    {
        AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(8));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(CategoriesColumn.Default);
        AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory);
        WithOptions(ConfigOptions.JoinSummary);
        HideColumns(Column.Error, Column.StdDev, Column.Median, Column.RatioSD);
    }
}
