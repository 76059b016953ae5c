namespace VoiceAppliance.Audio.Alsa.Tests;

public sealed class AlsaLibraryTests
{
    [Fact]
    public void Libasound_error_lines_go_to_the_sink_instead_of_stderr()
    {
        var lines = new List<string>();
        Assert.True(AlsaLibrary.RouteErrors(line => { lock (lines) { lines.Add(line); } }));
        try
        {
            var ex = Assert.Throws<AlsaException>(() => AlsaPcm.Open("no_such_pcm_for_the_handler", AlsaStreamDirection.Capture, new AlsaPcmSettings()));
            Assert.Contains("no_such_pcm_for_the_handler", ex.Message, StringComparison.Ordinal);
            lock (lines)
            {
                Assert.Contains(lines, l => l.Contains("Unknown PCM", StringComparison.Ordinal) && l.StartsWith("libasound snd_pcm_open", StringComparison.Ordinal));
            }
        }
        finally
        {
            AlsaLibrary.RouteErrors(null);
        }
    }

    [Fact]
    public void An_error_line_names_the_function_the_place_and_the_error_text()
    {
        var line = AlsaLibrary.FormatError("pcm.c", 2666, "snd_pcm_open_noupdate", -2, "Unknown PCM %s\n");
        Assert.Equal("libasound snd_pcm_open_noupdate (pcm.c:2666): Unknown PCM %s [No such file or directory]", line);
        Assert.Equal("libasound: odd", AlsaLibrary.FormatError(null, 0, null, 0, "odd"));
    }
}
