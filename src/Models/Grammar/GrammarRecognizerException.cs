using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VoiceAppliance.Native;

namespace VoiceAppliance.Models.Grammar;

/// <summary>A pocketsphinx call failed or the grammar/dictionary is unusable; the message names the cause and the fix.</summary>
public sealed class GrammarRecognizerException : Exception
{
    /// <summary>Creates an exception.</summary>
    public GrammarRecognizerException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public GrammarRecognizerException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and a cause.</summary>
    public GrammarRecognizerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The one place that turns a pocketsphinx return code into an exception.</summary>
    internal static void Check(int rc, string function, string? detail = null)
    {
        if (rc < 0)
        {
            throw new GrammarRecognizerException($"pocketsphinx {function} failed (code {rc}){(detail is null ? string.Empty : ": " + detail)}.");
        }
    }
}
