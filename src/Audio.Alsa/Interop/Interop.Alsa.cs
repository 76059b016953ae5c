using System.Runtime.InteropServices;

namespace VoiceAppliance.Audio.Alsa;

internal static partial class Interop
{
    /// <summary>
    /// libasound (alsa-lib) entry points. Signatures follow alsa/pcm.h, alsa/conf.h, alsa/control.h and
    /// alsa/mixer.h of alsa-lib 1.2: <c>snd_pcm_sframes_t</c> and C <c>long</c> are <see cref="nint"/>,
    /// <c>snd_pcm_uframes_t</c> and <c>size_t</c> are <see cref="nuint"/>; every handle is an opaque pointer.
    /// </summary>
    internal static unsafe partial class Alsa
    {
        internal const int StreamPlayback = 0;
        internal const int StreamCapture = 1;
        internal const int AccessRwInterleaved = 3;
        internal const int StateXrun = 4;
        internal const int StateSuspended = 7;
        internal const int StateDisconnected = 8;

        [LibraryImport(Libraries.Alsa)]
        internal static partial IntPtr snd_asoundlib_version();

        [LibraryImport(Libraries.Alsa)]
        internal static partial IntPtr snd_strerror(int errnum);

        // snd_lib_error_handler_t is variadic: void (*)(const char *file, int line, const char *function, int err,
        // const char *fmt, ...). The handler takes the fixed arguments only; under the x86-64 and AArch64 Linux ABIs
        // a callee may ignore variadic arguments (they are passed like ordinary ones and the caller cleans up).
        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_lib_error_set_handler(delegate* unmanaged[Cdecl]<byte*, int, byte*, int, byte*, void> handler);

        // ---- PCM -------------------------------------------------------------------------------

        [LibraryImport(Libraries.Alsa, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int snd_pcm_open(out IntPtr pcm, string name, int stream, int mode);

        [LibraryImport(Libraries.Alsa, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int snd_pcm_open_lconf(out IntPtr pcm, string name, int stream, int mode, IntPtr lconf);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_close(IntPtr pcm);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_hw_params_malloc(out IntPtr parameters);

        [LibraryImport(Libraries.Alsa)]
        internal static partial void snd_pcm_hw_params_free(IntPtr parameters);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_hw_params_any(SafeAlsaPcmHandle pcm, IntPtr parameters);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_hw_params_set_access(SafeAlsaPcmHandle pcm, IntPtr parameters, int access);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_hw_params_set_format(SafeAlsaPcmHandle pcm, IntPtr parameters, int format);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_hw_params_set_channels(SafeAlsaPcmHandle pcm, IntPtr parameters, uint channels);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_hw_params_set_rate_resample(SafeAlsaPcmHandle pcm, IntPtr parameters, uint enable);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_hw_params_set_rate_near(SafeAlsaPcmHandle pcm, IntPtr parameters, ref uint rate, ref int dir);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_hw_params_set_period_size_near(SafeAlsaPcmHandle pcm, IntPtr parameters, ref nuint frames, ref int dir);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_hw_params_set_buffer_size_near(SafeAlsaPcmHandle pcm, IntPtr parameters, ref nuint frames);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_hw_params(SafeAlsaPcmHandle pcm, IntPtr parameters);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_hw_params_get_period_size(IntPtr parameters, out nuint frames, out int dir);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_hw_params_get_buffer_size(IntPtr parameters, out nuint frames);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_hw_params_get_rate(IntPtr parameters, out uint rate, out int dir);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_sw_params_malloc(out IntPtr parameters);

        [LibraryImport(Libraries.Alsa)]
        internal static partial void snd_pcm_sw_params_free(IntPtr parameters);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_sw_params_current(SafeAlsaPcmHandle pcm, IntPtr parameters);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_sw_params_set_start_threshold(SafeAlsaPcmHandle pcm, IntPtr parameters, nuint value);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_sw_params_set_avail_min(SafeAlsaPcmHandle pcm, IntPtr parameters, nuint value);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_sw_params(SafeAlsaPcmHandle pcm, IntPtr parameters);

        [LibraryImport(Libraries.Alsa)]
        internal static partial nint snd_pcm_readi(SafeAlsaPcmHandle pcm, void* buffer, nuint frames);

        [LibraryImport(Libraries.Alsa)]
        internal static partial nint snd_pcm_writei(SafeAlsaPcmHandle pcm, void* buffer, nuint frames);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_recover(SafeAlsaPcmHandle pcm, int err, int silent);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_prepare(SafeAlsaPcmHandle pcm);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_start(SafeAlsaPcmHandle pcm);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_drop(SafeAlsaPcmHandle pcm);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_drain(SafeAlsaPcmHandle pcm);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_delay(SafeAlsaPcmHandle pcm, out nint frames);

        [LibraryImport(Libraries.Alsa)]
        internal static partial nint snd_pcm_avail(SafeAlsaPcmHandle pcm);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_pcm_state(SafeAlsaPcmHandle pcm);

        // ---- configuration trees ---------------------------------------------------------------

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_config_top(out IntPtr config);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_config_load(SafeAlsaConfigHandle config, IntPtr input);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_config_delete(IntPtr config);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_input_buffer_open(out IntPtr input, byte* buffer, nint size);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_input_close(IntPtr input);

        // ---- device hints ------------------------------------------------------------------------

        [LibraryImport(Libraries.Alsa, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int snd_device_name_hint(int card, string iface, out IntPtr hints);

        [LibraryImport(Libraries.Alsa, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial IntPtr snd_device_name_get_hint(IntPtr hint, string id);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_device_name_free_hint(IntPtr hints);

        // ---- simple mixer ------------------------------------------------------------------------

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_mixer_open(out IntPtr mixer, int mode);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_mixer_close(IntPtr mixer);

        [LibraryImport(Libraries.Alsa, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int snd_mixer_attach(SafeAlsaMixerHandle mixer, string name);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_mixer_selem_register(SafeAlsaMixerHandle mixer, IntPtr options, IntPtr classp);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_mixer_load(SafeAlsaMixerHandle mixer);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_mixer_selem_id_malloc(out IntPtr id);

        [LibraryImport(Libraries.Alsa)]
        internal static partial void snd_mixer_selem_id_free(IntPtr id);

        [LibraryImport(Libraries.Alsa)]
        internal static partial void snd_mixer_selem_id_set_index(IntPtr id, uint index);

        [LibraryImport(Libraries.Alsa, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial void snd_mixer_selem_id_set_name(IntPtr id, string name);

        [LibraryImport(Libraries.Alsa)]
        internal static partial IntPtr snd_mixer_find_selem(SafeAlsaMixerHandle mixer, IntPtr id);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_mixer_selem_has_playback_volume(IntPtr elem);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_mixer_selem_get_playback_volume_range(IntPtr elem, out nint min, out nint max);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_mixer_selem_get_playback_volume(IntPtr elem, int channel, out nint value);

        [LibraryImport(Libraries.Alsa)]
        internal static partial int snd_mixer_selem_set_playback_volume_all(IntPtr elem, nint value);
    }

    /// <summary>The C library, for <c>free</c> of strings alsa-lib hands over.</summary>
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc)]
        internal static partial void free(IntPtr pointer);

        [StructLayout(LayoutKind.Sequential)]
        internal struct SchedParam
        {
            internal int sched_priority;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct RLimit
        {
            internal ulong rlim_cur;
            internal ulong rlim_max;
        }

        [LibraryImport(Libraries.Libc)]
        internal static partial nuint pthread_self();

        // Returns the error number itself (0 on success); errno is not set.
        [LibraryImport(Libraries.Libc)]
        internal static unsafe partial int pthread_setschedparam(nuint thread, int policy, SchedParam* param);

        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static partial int sched_getscheduler(int pid);

        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static unsafe partial int sched_getparam(int pid, SchedParam* param);

        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static unsafe partial int getrlimit(int resource, RLimit* limit);
    }
}
