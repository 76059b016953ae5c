using System.Text;

namespace VoiceAppliance.Pipeline;

/// <summary>How a transcript is made of an engine's segments: each one trimmed, empty ones skipped, joined by one space.</summary>
internal static class TranscriptPieces
{
    /// <summary>Appends <paramref name="segmentText"/> to <paramref name="text"/>; false when it is empty once trimmed (nothing appended).</summary>
    public static bool Append(StringBuilder text, string segmentText)
    {
        var piece = segmentText.AsSpan().Trim();
        if (piece.IsEmpty)
        {
            return false;
        }

        if (text.Length > 0)
        {
            text.Append(' ');
        }

        text.Append(piece);
        return true;
    }
}
