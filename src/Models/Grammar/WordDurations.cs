namespace VoiceAppliance.Models.Grammar;

/// <summary>
/// Second evidence for a grammar result besides its acoustic ratio: how evenly the command's words fill their
/// alignment. A spoken command gives each word about the time its phones need at the speaker's rate; speech
/// forced onto a command it does not contain squeezes some words into a few frames and stretches others over
/// sounds they do not have. Each word's length is compared with the sum of its phones' typical lengths
/// (<see cref="PhoneFrames"/>), in logs, the speaker's rate (the mean of those) taken out; the largest
/// remaining deviation is the command's duration spread.
/// </summary>
/// <remarks>
/// The confidence a result is accepted on is its acoustic confidence times <c>exp(ReferenceSpread - spread)</c>:
/// a command as even as a typical one is judged as before, a more even one is accepted at a lower acoustic
/// confidence (down to <c>exp(-ReferenceSpread)</c>, 0.57 of the threshold), an uneven one needs a higher one.
/// Commands with fewer than three scored words have no spread and keep their acoustic confidence.
/// Fitted on bench heldout's tuning sets only ("tuning" and "tuning-2"; the held-out sets are for reporting):
/// the phone lengths by least squares on the word alignments of the commands they understood (pulled towards
/// 9 frames for a vowel, 13 for a diphthong and 7 for a consonant, which is also the length of a phone they
/// never contained), the form (the largest deviation, not the RMS) and <see cref="ReferenceSpread"/> as the
/// most commands understood at no more other speech accepted than before: a weight on the spread (here 1) from 1 to
/// 2.5 gave the same within one command on the tuning sets, and the smallest is kept, since real speakers' word
/// lengths vary more than synthetic ones. On the tuning sets: 1459 instead of 1457 of 1479 commands, 29 instead of
/// 33 of 2262 other phrases accepted.
/// </remarks>
internal static class WordDurations
{
    /// <summary>The spread (natural log of a length ratio) at which the duration factor is 1.</summary>
    internal const float ReferenceSpread = 0.567f;

    /// <summary>
    /// Words a command needs for a spread: with two, the spread is half their difference and small whatever was said
    /// (espeak-ng "how old is the moon" forced onto "stop listening" evenly, 0.00-0.05).
    /// </summary>
    internal const int MinWords = 3;

    /// <summary>Typical length of each phone of the en-us model in 10 ms frames (see the remarks).</summary>
    internal static float PhoneFrames(ReadOnlySpan<byte> phone) => phone switch
    {
        [(byte)'A', (byte)'A'] => 7.4f,
        [(byte)'A', (byte)'E'] => 9.0f,
        [(byte)'A', (byte)'H'] => 6.2f,
        [(byte)'A', (byte)'O'] => 8.6f,
        [(byte)'A', (byte)'W'] => 13.0f,
        [(byte)'A', (byte)'Y'] => 14.2f,
        [(byte)'B'] => 6.4f,
        [(byte)'C', (byte)'H'] => 6.9f,
        [(byte)'D'] => 6.5f,
        [(byte)'D', (byte)'H'] => 3.8f,
        [(byte)'E', (byte)'H'] => 8.1f,
        [(byte)'E', (byte)'R'] => 8.0f,
        [(byte)'E', (byte)'Y'] => 13.3f,
        [(byte)'F'] => 6.7f,
        [(byte)'H', (byte)'H'] => 6.2f,
        [(byte)'I', (byte)'H'] => 7.9f,
        [(byte)'I', (byte)'Y'] => 6.6f,
        [(byte)'K'] => 6.9f,
        [(byte)'L'] => 6.5f,
        [(byte)'M'] => 6.7f,
        [(byte)'N'] => 6.5f,
        [(byte)'N', (byte)'G'] => 6.4f,
        [(byte)'O', (byte)'W'] => 12.3f,
        [(byte)'O', (byte)'Y'] => 13.0f,
        [(byte)'P'] => 7.4f,
        [(byte)'R'] => 6.4f,
        [(byte)'S'] => 7.0f,
        [(byte)'T'] => 6.4f,
        [(byte)'U', (byte)'H'] => 9.0f,
        [(byte)'U', (byte)'W'] => 7.3f,
        [(byte)'V'] => 6.8f,
        [(byte)'W'] => 5.8f,
        [(byte)'Y'] => 6.0f,
        [(byte)'Z'] => 6.0f,
        _ => 7.0f, // G, JH, SH, TH, ZH and anything else: the consonant prior
    };

    /// <summary>The typical length in frames of a word pronounced <paramref name="phones"/> (space-separated, as the dictionary gives it).</summary>
    internal static float ExpectedFrames(ReadOnlySpan<byte> phones)
    {
        var total = 0f;
        while (!phones.IsEmpty)
        {
            var space = phones.IndexOf((byte)' ');
            var phone = space < 0 ? phones : phones[..space];
            if (!phone.IsEmpty)
            {
                total += PhoneFrames(phone);
            }

            phones = space < 0 ? default : phones[(space + 1)..];
        }

        return total;
    }

    /// <summary>
    /// The largest deviation of one word's log length ratio (frames over expected frames) from their mean, or
    /// <see cref="ReferenceSpread"/> when fewer than <see cref="MinWords"/> words have an expected length.
    /// </summary>
    internal static float Spread(ReadOnlySpan<(int Frames, float Expected)> words)
    {
        double sum = 0;
        var n = 0;
        foreach (var (frames, expected) in words)
        {
            if (expected > 0 && frames > 0)
            {
                sum += Math.Log(frames / (double)expected);
                n++;
            }
        }

        if (n < MinWords)
        {
            return ReferenceSpread;
        }

        var rate = sum / n;
        var spread = 0d;
        foreach (var (frames, expected) in words)
        {
            if (expected > 0 && frames > 0)
            {
                spread = Math.Max(spread, Math.Abs(Math.Log(frames / (double)expected) - rate));
            }
        }

        return (float)spread;
    }

    /// <summary>The factor the acoustic confidence is multiplied by before the threshold: <c>exp(ReferenceSpread - spread)</c>.</summary>
    internal static float Factor(float spread) => MathF.Exp(ReferenceSpread - spread);
}
