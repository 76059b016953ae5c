namespace VoiceAppliance.Models.WakeWord;

/// <summary>A wake word detected by a <see cref="WakeWordDetector"/>.</summary>
/// <param name="Index">The word's index in the detector's targets.</param>
/// <param name="Word">The word's name.</param>
/// <param name="Score">The classifier's score (at or above the word's threshold).</param>
/// <param name="EndSample">Samples of the stream up to the end of the 80 ms frame that detected it, or to 40 ms before that end for a fine-hop score (its time).</param>
public readonly record struct WakeWordDetection(int Index, string Word, float Score, long EndSample)
{
    /// <summary>The detection's time from the start of the stream.</summary>
    public TimeSpan Time => TimeSpan.FromSeconds(EndSample / (double)WakeWordFeatureModels.SampleRate);
}
