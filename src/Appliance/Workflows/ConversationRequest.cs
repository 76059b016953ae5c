using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace VoiceAppliance.Workflows;

/// <summary>A transcript sent to the home-automation side for an answer.</summary>
/// <param name="Id">Correlation id (<c>&lt;session&gt;-&lt;turn&gt;</c>); the reply must carry it.</param>
/// <param name="SessionId">The session.</param>
/// <param name="Turn">Zero-based turn in the session.</param>
/// <param name="Text">What the user said.</param>
public sealed record ConversationRequest(string Id, string SessionId, int Turn, string Text);
