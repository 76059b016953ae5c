using Microsoft.Extensions.Logging;
using VoiceAppliance.Audio.Alsa;
using VoiceAppliance.Configuration;
using VoiceAppliance.Device;
using VoiceAppliance.Device.Gpio;
using VoiceAppliance.Device.Systemd;
using VoiceAppliance.Mqtt;
using VoiceAppliance.Pipeline;

namespace VoiceAppliance.Hosting;

/// <summary>
/// Everything the daemon runs, built once from the configuration: ALSA capture and playback, the engines, the
/// <see cref="VoicePipeline"/>, MQTT (when enabled), the button and LEDs and the systemd notifier. The hosted
/// services of <see cref="ApplianceHost"/> drive it; disposing it releases everything in reverse order.
/// </summary>
public sealed class ApplianceRuntime : IAsyncDisposable, IDisposable
{
    private readonly TaskCompletionSource _running = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _disposed;

    private ApplianceRuntime(LoadedConfiguration configuration, TimeProvider timeProvider)
    {
        Configuration = configuration;
        TimeProvider = timeProvider;
    }

    /// <summary>The configuration it was built from.</summary>
    public LoadedConfiguration Configuration { get; }

    /// <summary>Time for everything.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>The microphone.</summary>
    public AlsaCapture Capture { get; private set; } = null!;

    /// <summary>The speaker.</summary>
    public AlsaPlayback Playback { get; private set; } = null!;

    /// <summary>The engines and workflow.</summary>
    public ApplianceEngines Engines { get; private set; } = null!;

    /// <summary>The voice pipeline.</summary>
    public VoicePipeline Pipeline { get; private set; } = null!;

    /// <summary>The MQTT service, or null when <c>Mqtt:Enabled</c> is false.</summary>
    public MqttService? Mqtt { get; private set; }

    /// <summary>Where reports go: <see cref="Mqtt"/>, or <see cref="NullMqttReporter"/>.</summary>
    public IMqttReporter Reporter => (IMqttReporter?)Mqtt ?? NullMqttReporter.Instance;

    /// <summary>Button and LEDs.</summary>
    public DeviceHub Devices { get; private set; } = null!;

    /// <summary>The systemd notifier, or null when not started by systemd (no <c>NOTIFY_SOCKET</c>).</summary>
    public SystemdNotifier? Notifier { get; private set; }

    /// <summary>systemd's watchdog timeout (<c>WATCHDOG_USEC</c>), or null.</summary>
    public TimeSpan? WatchdogTimeout { get; private set; }

    /// <summary>Completes once capture has started and the pipeline's audio loop runs.</summary>
    public Task Running => _running.Task;

    /// <summary>True while the audio loop runs (set by the pipeline service).</summary>
    public bool IsPipelineRunning { get; private set; }

    /// <summary>Builds everything; engines load here, so a missing model fails before anything starts.</summary>
    /// <exception cref="MissingDependencyException">A model, the intents file or a native library is missing.</exception>
    /// <exception cref="ConfigurationException">The configuration has errors, or sections that do not fit together.</exception>
    public static ApplianceRuntime Create(LoadedConfiguration configuration, ApplianceHostOptions options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        configuration.ThrowIfInvalid();
        var alsaLogger = loggerFactory.CreateLogger("VoiceAppliance.Audio.Alsa.libasound");
        _ = Audio.Alsa.AlsaLibrary.RouteErrors(line => HostLog.LibasoundMessage(alsaLogger, line));
        var time = options.TimeProvider;
        var runtime = new ApplianceRuntime(configuration, time);
        try
        {
            var publisher = new MqttMessagePublisher();
            var conversation = new MqttConversationChannel();
            runtime.Engines = ApplianceEngines.Load(configuration, publisher, time, loggerFactory, conversation);
            var audio = configuration.Audio;
            runtime.Capture = new AlsaCapture(
                audio.ToCaptureOptions(options.AlsaConfigurationFile) with { PaceInRealTime = options.PaceAudioInRealTime },
                loggerFactory.CreateLogger<AlsaCapture>(),
                time);
            runtime.Playback = new AlsaPlayback(
                audio.ToPlaybackOptions(options.AlsaConfigurationFile) with { PaceInRealTime = options.PaceAudioInRealTime },
                loggerFactory.CreateLogger<AlsaPlayback>(),
                time);
            var engines = runtime.Engines;
            var pipelineEngines = new PipelineEngines(runtime.Capture, runtime.Playback, engines.Vad, engines.Stt, engines.Tts, engines.Workflow) { WakeWord = engines.WakeWord, Realtime = engines.Realtime };
            runtime.Pipeline = new VoicePipeline(
                options.WrapEngines?.Invoke(pipelineEngines) ?? pipelineEngines,
                configuration.Pipeline,
                time,
                loggerFactory.CreateLogger<VoicePipeline>());
            runtime.Capture.DeviceEvent += runtime.OnCaptureDeviceEvent;
            if (configuration.Mqtt.Enabled)
            {
                runtime.Mqtt = new MqttService(configuration.Mqtt, new PipelineCommandHandler(runtime.Pipeline, () => runtime.Mqtt?.PublishStatus(runtime.Status(runtime.Pipeline.State))), loggerFactory.CreateLogger<MqttService>(), time);
                publisher.Target = runtime.Mqtt;
                conversation.Target = runtime.Mqtt;
                if (runtime.Engines.Workflow is Workflows.MqttConversationWorkflow mqttWorkflow)
                {
                    runtime.Mqtt.ConversationReplies = mqttWorkflow.Deliver;
                }
            }

            runtime.Devices = DeviceHub.Create(configuration, options.GpioChips ?? GpioChips.LibGpiod(), time, loggerFactory);
            runtime.Notifier = SystemdNotifier.FromEnvironment(options.Environment);
            runtime.WatchdogTimeout = SystemdNotifier.WatchdogTimeout(options.Environment);
            return runtime;
        }
        catch
        {
            runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>What made the daemon stop on its own (the capture thread or the audio loop failed), or null.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>The process exit code: 0, or <see cref="Cli.ExitCodes.Software"/> after a <see cref="Failure"/> (so systemd's <c>Restart=on-failure</c> restarts it).</summary>
    public int ExitCode => Failure is null ? Cli.ExitCodes.Ok : Cli.ExitCodes.Software;

    /// <summary>Called by the pipeline service when the audio loop failed.</summary>
    internal void Fail(Exception failure) => Failure ??= failure;

    /// <summary>
    /// The microphone's device events become pipeline states: lost (or never opened) is the Error state with an
    /// <c>error</c> event, back is Idle again. Raised on the capture thread; the pipeline only takes its lock briefly.
    /// </summary>
    private void OnCaptureDeviceEvent(object? sender, Audio.Alsa.AudioDeviceEventArgs e)
    {
        switch (e.Kind)
        {
            case Audio.Alsa.AudioDeviceEventKind.Lost:
            case Audio.Alsa.AudioDeviceEventKind.ReopenFailed:
                Pipeline.MicrophoneGone(e.Device, e.Error?.Message ?? "the device failed");
                break;
            case Audio.Alsa.AudioDeviceEventKind.Opened:
            case Audio.Alsa.AudioDeviceEventKind.Reopened:
                Pipeline.MicrophoneBack(e.Device);
                break;
            default:
                break;
        }
    }

    /// <summary>Called by the pipeline service when the audio loop starts and stops.</summary>
    internal void SetRunning(bool running)
    {
        IsPipelineRunning = running;
        if (running)
        {
            _running.TrySetResult();
        }
    }

    /// <summary>The current state for the retained MQTT state topic.</summary>
    public ApplianceStatus Status(PipelineState state) => new()
    {
        State = state,
        Muted = state == PipelineState.Muted,
        Volume = Pipeline.Volume,
        Versions = new Dictionary<string, string>(StringComparer.Ordinal) { ["appliance"] = AppVersion.Informational },
    };

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Devices?.Dispose();
        if (Mqtt is not null)
        {
            await Mqtt.DisposeAsync().ConfigureAwait(false);
        }

        Pipeline?.Dispose();
        if (Capture is not null)
        {
            await Capture.DisposeAsync().ConfigureAwait(false);
        }

        if (Playback is not null)
        {
            await Playback.DisposeAsync().ConfigureAwait(false);
        }

        Engines?.Dispose();
        Notifier?.Dispose();
    }
}
