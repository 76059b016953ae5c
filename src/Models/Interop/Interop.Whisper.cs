using System.Runtime.InteropServices;

namespace VoiceAppliance.Models;

internal static partial class Interop
{
    /// <summary>
    /// whisper.cpp 1.9.1 (<c>whisper.h</c>): the part of the C API the Whisper engine uses. Structs mirror the
    /// header field by field for LP64 (linux-x64, linux-arm64); C <c>bool</c> is a <see cref="byte"/> so the
    /// structs stay blittable. <c>WhisperParamsLayoutTests</c> checks the layout against the library.
    /// </summary>
    internal static unsafe partial class Whisper
    {
        internal const int SamplingGreedy = 0;
        internal const int SamplingBeamSearch = 1;

        /// <summary>ggml_log_level: NONE 0, DEBUG 1, INFO 2, WARN 3, ERROR 4, CONT 5.</summary>
        internal const int LogLevelDebug = 1;
        internal const int LogLevelInfo = 2;
        internal const int LogLevelWarn = 3;
        internal const int LogLevelError = 4;
        internal const int LogLevelCont = 5;

        /// <summary><c>struct whisper_aheads { size_t n_heads; const whisper_ahead * heads; }</c>.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct Aheads
        {
            public nuint NHeads;
            public IntPtr Heads;
        }

        /// <summary><c>struct whisper_context_params</c>.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct ContextParams
        {
            public byte UseGpu;
            public byte FlashAttn;
            public int GpuDevice;
            public byte DtwTokenTimestamps;
            public int DtwAheadsPreset;
            public int DtwNTop;
            public Aheads DtwAheads;
            public nuint DtwMemSize;
        }

        /// <summary><c>struct whisper_vad_params</c>.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct VadParams
        {
            public float Threshold;
            public int MinSpeechDurationMs;
            public int MinSilenceDurationMs;
            public float MaxSpeechDurationS;
            public int SpeechPadMs;
            public float SamplesOverlap;
        }

        /// <summary><c>struct whisper_full_params</c> of 1.9.1, in header order.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct FullParams
        {
            public int Strategy;

            public int NThreads;
            public int NMaxTextCtx;
            public int OffsetMs;
            public int DurationMs;

            public byte Translate;
            public byte NoContext;
            public byte NoTimestamps;
            public byte SingleSegment;
            public byte PrintSpecial;
            public byte PrintProgress;
            public byte PrintRealtime;
            public byte PrintTimestamps;

            public byte TokenTimestamps;
            public float TholdPt;
            public float TholdPtsum;
            public int MaxLen;
            public byte SplitOnWord;
            public int MaxTokens;

            public byte DebugMode;
            public int AudioCtx;

            public byte TdrzEnable;

            public byte* SuppressRegex;

            public byte* InitialPrompt;
            public byte CarryInitialPrompt;
            public int* PromptTokens;
            public int PromptNTokens;

            public byte* Language;
            public byte DetectLanguage;

            public byte SuppressBlank;
            public byte SuppressNst;

            public float Temperature;
            public float MaxInitialTs;
            public float LengthPenalty;

            public float TemperatureInc;
            public float EntropyThold;
            public float LogprobThold;
            public float NoSpeechThold;

            public int GreedyBestOf;

            public int BeamSize;
            public float BeamPatience;

            public delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int, IntPtr, void> NewSegmentCallback;
            public IntPtr NewSegmentCallbackUserData;

            public IntPtr ProgressCallback;
            public IntPtr ProgressCallbackUserData;

            public IntPtr EncoderBeginCallback;
            public IntPtr EncoderBeginCallbackUserData;

            public delegate* unmanaged[Cdecl]<IntPtr, byte> AbortCallback;
            public IntPtr AbortCallbackUserData;

            public IntPtr LogitsFilterCallback;
            public IntPtr LogitsFilterCallbackUserData;

            public IntPtr GrammarRules;
            public nuint NGrammarRules;
            public nuint IStartRule;
            public float GrammarPenalty;

            public byte Vad;
            public byte* VadModelPath;

            public VadParams VadParams;
        }

        /// <summary><c>whisper_token_data</c>.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct TokenData
        {
            public int Id;
            public int Tid;
            public float P;
            public float Plog;
            public float Pt;
            public float Ptsum;
            public long T0;
            public long T1;
            public long TDtw;
            public float Vlen;
        }

        [LibraryImport(Libraries.Whisper)]
        internal static partial ContextParams whisper_context_default_params();

        [LibraryImport(Libraries.Whisper, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial WhisperContextSafeHandle whisper_init_from_file_with_params_no_state(string pathModel, ContextParams parameters);

        [LibraryImport(Libraries.Whisper)]
        internal static partial WhisperStateSafeHandle whisper_init_state(WhisperContextSafeHandle ctx);

        [LibraryImport(Libraries.Whisper)]
        internal static partial void whisper_free(IntPtr ctx);

        [LibraryImport(Libraries.Whisper)]
        internal static partial void whisper_free_state(IntPtr state);

        [LibraryImport(Libraries.Whisper)]
        internal static partial FullParams whisper_full_default_params(int strategy);

        [LibraryImport(Libraries.Whisper)]
        internal static partial FullParams* whisper_full_default_params_by_ref(int strategy);

        [LibraryImport(Libraries.Whisper)]
        internal static partial void whisper_free_params(FullParams* parameters);

        [LibraryImport(Libraries.Whisper)]
        internal static partial int whisper_full_with_state(
            WhisperContextSafeHandle ctx,
            WhisperStateSafeHandle state,
            FullParams parameters,
            float* samples,
            int nSamples);

        [LibraryImport(Libraries.Whisper)]
        internal static partial int whisper_full_n_segments_from_state(IntPtr state);

        [LibraryImport(Libraries.Whisper)]
        internal static partial long whisper_full_get_segment_t0_from_state(IntPtr state, int segment);

        [LibraryImport(Libraries.Whisper)]
        internal static partial long whisper_full_get_segment_t1_from_state(IntPtr state, int segment);

        [LibraryImport(Libraries.Whisper)]
        internal static partial byte* whisper_full_get_segment_text_from_state(IntPtr state, int segment);

        [LibraryImport(Libraries.Whisper)]
        internal static partial int whisper_full_n_tokens_from_state(IntPtr state, int segment);

        [LibraryImport(Libraries.Whisper)]
        internal static partial TokenData whisper_full_get_token_data_from_state(IntPtr state, int segment, int token);

        [LibraryImport(Libraries.Whisper)]
        internal static partial int whisper_full_lang_id_from_state(IntPtr state);

        [LibraryImport(Libraries.Whisper)]
        internal static partial int whisper_token_eot(WhisperContextSafeHandle ctx);

        [LibraryImport(Libraries.Whisper)]
        internal static partial int whisper_is_multilingual(WhisperContextSafeHandle ctx);

        [LibraryImport(Libraries.Whisper)]
        internal static partial int whisper_model_n_vocab(WhisperContextSafeHandle ctx);

        [LibraryImport(Libraries.Whisper)]
        internal static partial int whisper_model_n_audio_state(WhisperContextSafeHandle ctx);

        [LibraryImport(Libraries.Whisper)]
        internal static partial int whisper_model_n_audio_layer(WhisperContextSafeHandle ctx);

        [LibraryImport(Libraries.Whisper, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int whisper_lang_id(string lang);

        [LibraryImport(Libraries.Whisper)]
        internal static partial byte* whisper_lang_str(int id);

        [LibraryImport(Libraries.Whisper)]
        internal static partial void whisper_log_set(delegate* unmanaged[Cdecl]<int, byte*, IntPtr, void> callback, IntPtr userData);
    }
}

/// <summary>Owns a <c>whisper_context</c> (the loaded model); freed with <c>whisper_free</c>.</summary>
internal sealed class WhisperContextSafeHandle : SafeHandle
{
    public WhisperContextSafeHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        Interop.Whisper.whisper_free(handle);
        return true;
    }
}

/// <summary>Owns a <c>whisper_state</c> (per-utterance buffers); freed with <c>whisper_free_state</c>.</summary>
internal sealed class WhisperStateSafeHandle : SafeHandle
{
    public WhisperStateSafeHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        Interop.Whisper.whisper_free_state(handle);
        return true;
    }
}
