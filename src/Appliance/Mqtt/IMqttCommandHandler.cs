using VoiceAppliance.Audio.Alsa;

namespace VoiceAppliance.Mqtt;

/// <summary>
/// What the appliance does on a remote command; the lead wires it to the pipeline. <see cref="MqttService"/> calls
/// these one at a time in arrival order and does not wait for the returned task before taking the next command
/// (so <c>stop</c> can interrupt a running <c>say</c>); a faulted task becomes an error event on <c>&lt;base&gt;/error</c>.
/// Implementations must return promptly (start the work, do not block the caller).
/// </summary>
public interface IMqttCommandHandler
{
    /// <summary><c>&lt;base&gt;/cmd/listen</c> (or Hermes startSession): start a session as if the button was pressed.</summary>
    Task ListenAsync(CancellationToken cancellationToken);

    /// <summary><c>&lt;base&gt;/cmd/stop</c>: end the current session / stop speaking now.</summary>
    Task StopAsync(CancellationToken cancellationToken);

    /// <summary><c>&lt;base&gt;/cmd/say</c> (or Hermes tts/say): speak the text. The task completes when speaking ended.</summary>
    Task SayAsync(SayCommand command, CancellationToken cancellationToken);

    /// <summary><c>&lt;base&gt;/cmd/mute/set</c>: mute or unmute the microphone.</summary>
    Task SetMutedAsync(bool muted, CancellationToken cancellationToken);

    /// <summary><c>&lt;base&gt;/cmd/volume/set</c>: output volume 0..100.</summary>
    Task SetVolumeAsync(int volume, CancellationToken cancellationToken);

    /// <summary><c>&lt;base&gt;/cmd/intercom/play[/&lt;from&gt;]</c>: play a validated intercom recording (with a chime).</summary>
    Task PlayIntercomAsync(IntercomClip clip, CancellationToken cancellationToken);
}
