namespace VoiceAppliance.Pipeline;

/// <summary>What a guess taken in a pause means for the silence window (<see cref="PauseGuessJudgement.Judge"/>).</summary>
internal enum PauseVerdict
{
    /// <summary>Nothing to say: the window (<see cref="EndpointingOptions.SilenceToEnd"/>) ends the pause as usual.</summary>
    Window,

    /// <summary>A complete, confident command nothing can continue: the turn ends now (an early endpoint).</summary>
    EndNow,

    /// <summary>Half a command: the pause may last <see cref="EarlyEndpointOptions.UnfinishedSilence"/>.</summary>
    Unfinished,

    /// <summary>A command the user may go on with: the pause may last <see cref="EarlyEndpointOptions.ContinuableSilence"/>.</summary>
    Continuable,
}
