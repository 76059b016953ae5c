using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Models.Tests.Whisper;

/// <summary>
/// The blittable mirrors of whisper.h 1.9.1 structs must match the C layout exactly: checked against the
/// values whisper_full_default_params() puts in every distinctive field, and against offsetof/sizeof from
/// a C program compiled here from the provisioned whisper.h.
/// </summary>
public sealed unsafe class WhisperParamsLayoutTests
{
    private static readonly (string C, string CSharp)[] s_fullParamsFields =
    [
        ("strategy", "Strategy"), ("n_threads", "NThreads"), ("n_max_text_ctx", "NMaxTextCtx"), ("offset_ms", "OffsetMs"),
        ("duration_ms", "DurationMs"), ("translate", "Translate"), ("no_context", "NoContext"), ("no_timestamps", "NoTimestamps"),
        ("single_segment", "SingleSegment"), ("print_special", "PrintSpecial"), ("print_progress", "PrintProgress"),
        ("print_realtime", "PrintRealtime"), ("print_timestamps", "PrintTimestamps"), ("token_timestamps", "TokenTimestamps"),
        ("thold_pt", "TholdPt"), ("thold_ptsum", "TholdPtsum"), ("max_len", "MaxLen"), ("split_on_word", "SplitOnWord"),
        ("max_tokens", "MaxTokens"), ("debug_mode", "DebugMode"), ("audio_ctx", "AudioCtx"), ("tdrz_enable", "TdrzEnable"),
        ("suppress_regex", "SuppressRegex"), ("initial_prompt", "InitialPrompt"), ("carry_initial_prompt", "CarryInitialPrompt"),
        ("prompt_tokens", "PromptTokens"), ("prompt_n_tokens", "PromptNTokens"), ("language", "Language"),
        ("detect_language", "DetectLanguage"), ("suppress_blank", "SuppressBlank"), ("suppress_nst", "SuppressNst"),
        ("temperature", "Temperature"), ("max_initial_ts", "MaxInitialTs"), ("length_penalty", "LengthPenalty"),
        ("temperature_inc", "TemperatureInc"), ("entropy_thold", "EntropyThold"), ("logprob_thold", "LogprobThold"),
        ("no_speech_thold", "NoSpeechThold"), ("greedy.best_of", "GreedyBestOf"), ("beam_search.beam_size", "BeamSize"),
        ("beam_search.patience", "BeamPatience"), ("new_segment_callback", "NewSegmentCallback"),
        ("new_segment_callback_user_data", "NewSegmentCallbackUserData"), ("progress_callback", "ProgressCallback"),
        ("progress_callback_user_data", "ProgressCallbackUserData"), ("encoder_begin_callback", "EncoderBeginCallback"),
        ("encoder_begin_callback_user_data", "EncoderBeginCallbackUserData"), ("abort_callback", "AbortCallback"),
        ("abort_callback_user_data", "AbortCallbackUserData"), ("logits_filter_callback", "LogitsFilterCallback"),
        ("logits_filter_callback_user_data", "LogitsFilterCallbackUserData"), ("grammar_rules", "GrammarRules"),
        ("n_grammar_rules", "NGrammarRules"), ("i_start_rule", "IStartRule"), ("grammar_penalty", "GrammarPenalty"),
        ("vad", "Vad"), ("vad_model_path", "VadModelPath"), ("vad_params", "VadParams"),
    ];

    [Fact]
    public void Full_default_params_read_through_the_mirror_have_whisper_cpp_defaults_in_every_field()
    {
        var p = Interop.Whisper.whisper_full_default_params_by_ref(Interop.Whisper.SamplingGreedy);
        try
        {
            AssertGreedyDefaults(*p);
        }
        finally
        {
            Interop.Whisper.whisper_free_params(p);
        }
    }

    [Fact]
    public void Full_default_params_returned_by_value_equal_the_by_reference_copy()
    {
        var byValue = Interop.Whisper.whisper_full_default_params(Interop.Whisper.SamplingBeamSearch);
        var byRef = Interop.Whisper.whisper_full_default_params_by_ref(Interop.Whisper.SamplingBeamSearch);
        try
        {
            Assert.Equal(1, byValue.Strategy);
            Assert.Equal(5, byValue.BeamSize);
            Assert.Equal(-1f, byValue.BeamPatience);
            Assert.Equal(-1, byValue.GreedyBestOf);
            Assert.Equal(Describe(*byRef), Describe(byValue));
        }
        finally
        {
            Interop.Whisper.whisper_free_params(byRef);
        }
    }

    [Fact]
    public void Context_default_params_have_whisper_cpp_defaults()
    {
        var c = Interop.Whisper.whisper_context_default_params();
        Assert.Equal(1, c.UseGpu);
        Assert.Equal(1, c.FlashAttn);
        Assert.Equal(0, c.GpuDevice);
        Assert.Equal(0, c.DtwTokenTimestamps);
        Assert.Equal(0, c.DtwAheadsPreset);
        Assert.Equal(-1, c.DtwNTop);
        Assert.Equal(0u, (uint)c.DtwAheads.NHeads);
        Assert.Equal(128u * 1024 * 1024, (ulong)c.DtwMemSize);
    }

    [RequiresProgramFact("gcc")]
    public void Offsets_and_sizes_match_a_C_compilation_of_the_provisioned_whisper_h()
    {
        var header = Path.Combine(TestPaths.Native, "whisper.h");
        Assert.True(File.Exists(header), $"{header} is missing; run eng/provision.sh");
        var dir = TestPaths.NewTempDirectory("whisper-layout");
        try
        {
            // whisper.h includes ggml.h for two callback typedefs only; a stub keeps the check self-contained.
            File.WriteAllText(Path.Combine(dir, "ggml.h"), "#pragma once\n#include <stdbool.h>\nenum ggml_log_level { GGML_LOG_LEVEL_NONE };\ntypedef void (*ggml_log_callback)(enum ggml_log_level level, const char * text, void * user_data);\ntypedef bool (*ggml_abort_callback)(void * data);\n");
            File.WriteAllText(Path.Combine(dir, "ggml-cpu.h"), "#pragma once\n");
            File.Copy(header, Path.Combine(dir, "whisper.h"));
            var c = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include \"whisper.h\"\nint main(void) {\n");
            c.Append("printf(\"sizeof.full %zu\\n\", sizeof(struct whisper_full_params));\n");
            c.Append("printf(\"sizeof.context %zu\\n\", sizeof(struct whisper_context_params));\n");
            c.Append("printf(\"sizeof.token %zu\\n\", sizeof(whisper_token_data));\n");
            c.Append("printf(\"sizeof.vad %zu\\n\", sizeof(whisper_vad_params));\n");
            foreach (var (cName, _) in s_fullParamsFields)
            {
                c.Append(CultureInfo.InvariantCulture, $"printf(\"full.{cName} %zu\\n\", offsetof(struct whisper_full_params, {cName}));\n");
            }

            foreach (var f in new[] { "dtw_token_timestamps", "dtw_aheads_preset", "dtw_n_top", "dtw_aheads", "dtw_mem_size" })
            {
                c.Append(CultureInfo.InvariantCulture, $"printf(\"context.{f} %zu\\n\", offsetof(struct whisper_context_params, {f}));\n");
            }

            foreach (var f in new[] { "p", "t0", "t1", "t_dtw", "vlen" })
            {
                c.Append(CultureInfo.InvariantCulture, $"printf(\"token.{f} %zu\\n\", offsetof(whisper_token_data, {f}));\n");
            }

            c.Append("return 0; }\n");
            File.WriteAllText(Path.Combine(dir, "layout.c"), c.ToString());
            Run("gcc", $"-I{dir} -o {dir}/layout {dir}/layout.c", dir);
            var values = Run(Path.Combine(dir, "layout"), string.Empty, dir)
                .Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(' '))
                .ToDictionary(p => p[0], p => int.Parse(p[1], CultureInfo.InvariantCulture));

            Assert.Equal(values["sizeof.full"], sizeof(Interop.Whisper.FullParams));
            Assert.Equal(values["sizeof.context"], sizeof(Interop.Whisper.ContextParams));
            Assert.Equal(values["sizeof.token"], sizeof(Interop.Whisper.TokenData));
            Assert.Equal(values["sizeof.vad"], sizeof(Interop.Whisper.VadParams));
            foreach (var (cName, csName) in s_fullParamsFields)
            {
                Assert.True(
                    values["full." + cName] == (int)Marshal.OffsetOf<Interop.Whisper.FullParams>(csName),
                    $"whisper_full_params.{cName}: C offset {values["full." + cName]}, C# {Marshal.OffsetOf<Interop.Whisper.FullParams>(csName)}");
            }

            Assert.Equal(values["context.dtw_aheads_preset"], (int)Marshal.OffsetOf<Interop.Whisper.ContextParams>("DtwAheadsPreset"));
            Assert.Equal(values["context.dtw_aheads"], (int)Marshal.OffsetOf<Interop.Whisper.ContextParams>("DtwAheads"));
            Assert.Equal(values["context.dtw_mem_size"], (int)Marshal.OffsetOf<Interop.Whisper.ContextParams>("DtwMemSize"));
            Assert.Equal(values["token.t0"], (int)Marshal.OffsetOf<Interop.Whisper.TokenData>("T0"));
            Assert.Equal(values["token.vlen"], (int)Marshal.OffsetOf<Interop.Whisper.TokenData>("Vlen"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void AssertGreedyDefaults(Interop.Whisper.FullParams p)
    {
        Assert.Equal(0, p.Strategy);
        Assert.Equal(Math.Min(4, Environment.ProcessorCount), p.NThreads);
        Assert.Equal(16384, p.NMaxTextCtx);
        Assert.Equal(0, p.OffsetMs);
        Assert.Equal(0, p.DurationMs);
        Assert.Equal(0, p.Translate);
        Assert.Equal(1, p.NoContext);
        Assert.Equal(0, p.NoTimestamps);
        Assert.Equal(0, p.SingleSegment);
        Assert.Equal(1, p.PrintProgress);
        Assert.Equal(0, p.PrintRealtime);
        Assert.Equal(1, p.PrintTimestamps);
        Assert.Equal(0.01f, p.TholdPt);
        Assert.Equal(0.01f, p.TholdPtsum);
        Assert.Equal(0, p.MaxLen);
        Assert.Equal(0, p.MaxTokens);
        Assert.Equal(0, p.AudioCtx);
        Assert.True(p.SuppressRegex == null);
        Assert.True(p.InitialPrompt == null);
        Assert.True(p.PromptTokens == null);
        Assert.Equal(0, p.PromptNTokens);
        Assert.Equal("en", Marshal.PtrToStringUTF8((IntPtr)p.Language));
        Assert.Equal(0, p.DetectLanguage);
        Assert.Equal(1, p.SuppressBlank);
        Assert.Equal(0, p.SuppressNst);
        Assert.Equal(0f, p.Temperature);
        Assert.Equal(1f, p.MaxInitialTs);
        Assert.Equal(-1f, p.LengthPenalty);
        Assert.Equal(0.2f, p.TemperatureInc);
        Assert.Equal(2.4f, p.EntropyThold);
        Assert.Equal(-1f, p.LogprobThold);
        Assert.Equal(0.6f, p.NoSpeechThold);
        Assert.Equal(5, p.GreedyBestOf);
        Assert.Equal(-1, p.BeamSize);
        Assert.Equal(-1f, p.BeamPatience);
        Assert.True(p.NewSegmentCallback == null);
        Assert.True(p.AbortCallback == null);
        Assert.Equal(IntPtr.Zero, p.GrammarRules);
        Assert.Equal(0u, (uint)p.NGrammarRules);
        Assert.Equal(100f, p.GrammarPenalty);
        Assert.Equal(0, p.Vad);
        Assert.True(p.VadModelPath == null);
        Assert.Equal(0.5f, p.VadParams.Threshold);
        Assert.Equal(250, p.VadParams.MinSpeechDurationMs);
        Assert.Equal(100, p.VadParams.MinSilenceDurationMs);
        Assert.Equal(float.MaxValue, p.VadParams.MaxSpeechDurationS);
        Assert.Equal(30, p.VadParams.SpeechPadMs);
        Assert.Equal(0.1f, p.VadParams.SamplesOverlap);
    }

    private static string Describe(Interop.Whisper.FullParams p) => string.Join(
        ",",
        p.Strategy, p.NThreads, p.NMaxTextCtx, p.NoContext, p.PrintProgress, p.TholdPt, p.MaxLen, p.AudioCtx,
        Marshal.PtrToStringUTF8((IntPtr)p.Language), p.SuppressBlank, p.Temperature, p.TemperatureInc, p.NoSpeechThold,
        p.GreedyBestOf, p.BeamSize, p.BeamPatience, p.GrammarPenalty, p.Vad, p.VadParams.Threshold, p.VadParams.SpeechPadMs,
        p.VadParams.SamplesOverlap);

    private static string Run(string program, string args, string dir)
    {
        var psi = new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {args} failed: {error}");
        return output;
    }
}
