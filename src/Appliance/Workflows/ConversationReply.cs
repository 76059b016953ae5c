using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace VoiceAppliance.Workflows;

/// <summary>An answer (or one streamed part of it) from the home-automation side.</summary>
/// <param name="Id">The request's id.</param>
/// <param name="Text">Text to speak (may be empty).</param>
/// <param name="Final">False when more parts follow.</param>
/// <param name="Continue">Listen for a follow-up turn after the reply, without a new trigger.</param>
/// <param name="Intent">Intent name for the turn report, if the other side recognised one.</param>
public sealed record ConversationReply(string Id, string Text, bool Final = true, bool Continue = false, string? Intent = null);
