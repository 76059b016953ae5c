namespace VoiceAppliance.Models.Onnx;

/// <summary>How a model is run: threads and graph optimisation.</summary>
public sealed record OnnxSessionOptions
{
    /// <summary>Threads inside one operator; 0 lets ORT choose (one per core). Small models run best on 1.</summary>
    public int IntraOpThreads { get; init; } = 1;

    /// <summary>Threads across independent operators (parallel execution only); 0 lets ORT choose.</summary>
    public int InterOpThreads { get; init; } = 1;

    /// <summary>Graph optimisation level.</summary>
    public OnnxOptimizationLevel OptimizationLevel { get; init; } = OnnxOptimizationLevel.All;

    /// <summary>
    /// ORT's CPU memory arena: activations are carved from a pool that grows to the largest run and never shrinks.
    /// Right for per-window models (Silero: the same small shapes every 32 ms); off for a model whose activations
    /// scale with its input (Piper: a long sentence would leave tens of megabytes in the pool for the daemon's life).
    /// </summary>
    public bool MemoryArena { get; init; } = true;

    /// <summary>
    /// ORT's memory pattern: after the first run it plans one block for all of a shape's activations and keeps it.
    /// Saves allocator calls per run; costs that block for the session's life. Off with <see cref="MemoryArena"/> off
    /// makes every run allocate and free its activations through the system allocator.
    /// </summary>
    public bool MemoryPattern { get; init; } = true;

    /// <summary>One thread, all optimisations: the right default for per-window models such as Silero.</summary>
    public static OnnxSessionOptions Default { get; } = new();
}
