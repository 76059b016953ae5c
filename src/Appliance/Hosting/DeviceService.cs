using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VoiceAppliance.Device.Button;
using VoiceAppliance.Mqtt;

namespace VoiceAppliance.Hosting;

/// <summary>
/// The front panel: button commands to the pipeline, button gestures to MQTT, and the microphone level to the LEDs
/// (sampled every LED frame).
/// </summary>
internal sealed class DeviceService(ApplianceRuntime runtime, ILogger<DeviceService> logger) : BackgroundService
{
    /// <summary>Maps the microphone's RMS (0..1) to an LED level: -60 dBFS .. 0 dBFS -> 0..1.</summary>
    internal static float LevelFromRms(float rms) => rms <= 1e-6f || !float.IsFinite(rms) ? 0f : Math.Clamp((20f * MathF.Log10(rms) + 60f) / 60f, 0f, 1f);

    /// <summary>The MQTT event type of a gesture, or null for gestures not reported (taps are press + release).</summary>
    internal static string? EventType(ButtonGesture gesture) => gesture switch
    {
        ButtonGesture.Pressed => "press",
        ButtonGesture.Released => "release",
        ButtonGesture.LongPress => "long_press",
        ButtonGesture.DoublePress => "double_press",
        _ => null,
    };

    /// <summary>Carries out a button command on the pipeline.</summary>
    internal static void Apply(Pipeline.VoicePipeline pipeline, ButtonCommand command)
    {
        switch (command)
        {
            case ButtonCommand.StartListening:
                pipeline.PressToTalk();
                break;
            case ButtonCommand.StopListening:
                pipeline.ReleaseToTalk();
                break;
            case ButtonCommand.ToggleListening:
                pipeline.Tap();
                break;
            case ButtonCommand.ToggleMute:
                pipeline.ToggleMute();
                break;
            case ButtonCommand.Cancel:
                pipeline.Stop();
                break;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var devices = runtime.Devices;
        devices.Command += OnCommand;
        devices.Gesture += OnGesture;
        devices.Start();
        try
        {
            if (devices.Leds is null)
            {
                return;
            }

            using var timer = new PeriodicTimer(runtime.Configuration.Leds.FrameInterval, runtime.TimeProvider);
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                devices.OnLevel(LevelFromRms(runtime.Capture.Rms));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void OnCommand(ButtonCommand command)
    {
        HostLog.Button(logger, command);
        Apply(runtime.Pipeline, command);
    }

    private void OnGesture(ButtonEvent e)
    {
        if (EventType(e.Gesture) is { } type)
        {
            runtime.Reporter.PublishButtonEvent(new ButtonEventReport
            {
                EventType = type,
                Button = "main",
                DurationMs = e.Gesture is ButtonGesture.Released or ButtonGesture.LongPress ? e.HeldFor.TotalMilliseconds : null,
                SessionId = runtime.Pipeline.SessionId,
                Timestamp = e.Time,
            });
        }
    }
}
