using System.Runtime.InteropServices;

namespace VoiceAppliance.Models;

internal static partial class Interop
{
    /// <summary>
    /// Debian's sphinxbase 5prealpha (<c>libsphinxbase.so.3</c>, headers in libsphinxbase-dev): configuration
    /// from an argv array (<c>cmd_ln_parse_r</c>, no variadic calls), log redirection.
    /// </summary>
    internal static unsafe partial class SphinxBase
    {
        [LibraryImport(Libraries.SphinxBase)]
        internal static partial IntPtr cmd_ln_parse_r(IntPtr inoutCmdln, IntPtr definitions, int argc, byte** argv, int strict);

        [LibraryImport(Libraries.SphinxBase)]
        internal static partial int cmd_ln_free_r(IntPtr cmdln);

        [LibraryImport(Libraries.SphinxBase, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int err_set_logfile(string path);

        [LibraryImport(Libraries.SphinxBase)]
        internal static partial void err_set_logfp(IntPtr stream);

        /// <summary>A floating-point setting of a configuration (0 for an unknown name).</summary>
        [LibraryImport(Libraries.SphinxBase, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial double cmd_ln_float_r(IntPtr cmdln, string name);

        /// <summary>Sets a floating-point setting; searches created afterwards read it.</summary>
        [LibraryImport(Libraries.SphinxBase, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial void cmd_ln_set_float_r(IntPtr cmdln, string name, double value);
    }

    /// <summary>Debian's pocketsphinx 5prealpha (<c>libpocketsphinx.so.3</c>, <c>pocketsphinx.h</c>, <c>ps_search.h</c>).</summary>
    internal static unsafe partial class PocketSphinx
    {
        [LibraryImport(Libraries.PocketSphinx)]
        internal static partial IntPtr ps_args();

        [LibraryImport(Libraries.PocketSphinx)]
        internal static partial PocketSphinxSafeHandle ps_init(IntPtr config);

        [LibraryImport(Libraries.PocketSphinx)]
        internal static partial int ps_free(IntPtr ps);

        [LibraryImport(Libraries.PocketSphinx, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int ps_set_jsgf_string(PocketSphinxSafeHandle ps, string name, string jsgf);

        [LibraryImport(Libraries.PocketSphinx, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int ps_set_search(PocketSphinxSafeHandle ps, string name);

        [LibraryImport(Libraries.PocketSphinx, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int ps_add_word(PocketSphinxSafeHandle ps, string word, string phones, int update);

        /// <summary>Returns a malloc'd phone string (free with <see cref="NativeMemory.Free"/>) or null.</summary>
        [LibraryImport(Libraries.PocketSphinx, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial byte* ps_lookup_word(PocketSphinxSafeHandle ps, string word);

        /// <summary><see cref="ps_lookup_word(PocketSphinxSafeHandle, string)"/> for a word the decoder gave (a segment's NUL-terminated word).</summary>
        [LibraryImport(Libraries.PocketSphinx, EntryPoint = "ps_lookup_word")]
        internal static partial byte* ps_lookup_word_utf8(PocketSphinxSafeHandle ps, byte* word);

        /// <summary>Starts a new stream: the front end's noise estimate, kept from one utterance to the next, is reset.</summary>
        [LibraryImport(Libraries.PocketSphinx)]
        internal static partial int ps_start_stream(PocketSphinxSafeHandle ps);

        [LibraryImport(Libraries.PocketSphinx)]
        internal static partial int ps_start_utt(PocketSphinxSafeHandle ps);

        [LibraryImport(Libraries.PocketSphinx)]
        internal static partial int ps_process_raw(PocketSphinxSafeHandle ps, short* data, nuint samples, int noSearch, int fullUtterance);

        [LibraryImport(Libraries.PocketSphinx)]
        internal static partial int ps_end_utt(PocketSphinxSafeHandle ps);

        [LibraryImport(Libraries.PocketSphinx)]
        internal static partial byte* ps_get_hyp(PocketSphinxSafeHandle ps, int* bestScore);

        [LibraryImport(Libraries.PocketSphinx)]
        internal static partial IntPtr ps_seg_iter(PocketSphinxSafeHandle ps);

        [LibraryImport(Libraries.PocketSphinx)]
        internal static partial IntPtr ps_seg_next(IntPtr seg);

        [LibraryImport(Libraries.PocketSphinx)]
        internal static partial byte* ps_seg_word(IntPtr seg);

        [LibraryImport(Libraries.PocketSphinx)]
        internal static partial void ps_seg_frames(IntPtr seg, int* startFrame, int* endFrame);

        [LibraryImport(Libraries.PocketSphinx)]
        internal static partial void ps_seg_free(IntPtr seg);

        /// <summary>Posterior (log) of the segment; writes its acoustic score, language score and backoff mode.</summary>
        [LibraryImport(Libraries.PocketSphinx)]
        internal static partial int ps_seg_prob(IntPtr seg, int* acousticScore, int* languageScore, int* backoff);

        /// <summary>Adds a phone-loop search; a null model makes every phone follow every other with equal weight.</summary>
        [LibraryImport(Libraries.PocketSphinx, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int ps_set_allphone(PocketSphinxSafeHandle ps, string name, IntPtr lm);

        [LibraryImport(Libraries.PocketSphinx)]
        internal static partial int ps_get_n_frames(PocketSphinxSafeHandle ps);

        /// <summary>The decoder's configuration (owned by the decoder: not freed by the caller).</summary>
        [LibraryImport(Libraries.PocketSphinx)]
        internal static partial IntPtr ps_get_config(PocketSphinxSafeHandle ps);
    }
}

/// <summary>Owns a <c>ps_decoder_t</c>; freed with <c>ps_free</c>.</summary>
internal sealed class PocketSphinxSafeHandle : SafeHandle
{
    public PocketSphinxSafeHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        return Interop.PocketSphinx.ps_free(handle) >= 0;
    }
}
