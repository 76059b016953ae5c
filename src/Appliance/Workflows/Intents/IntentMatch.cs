using System.Globalization;
using System.Text;

namespace VoiceAppliance.Workflows.Intents;

/// <summary>A recognised intent.</summary>
/// <param name="Intent">The intent's name.</param>
/// <param name="Slots">Slot values: the template's words for alternatives, the spoken number (as digits) for ranges.</param>
/// <param name="Score">1 for an exact match, lower for a fuzzy one.</param>
/// <param name="Sentence">The template sentence that matched.</param>
public sealed record IntentMatch(string Intent, IReadOnlyDictionary<string, string> Slots, double Score, string Sentence);
