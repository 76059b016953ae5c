using System.Runtime.InteropServices;
using VoiceAppliance.Models.Piper;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Models.Tests.Piper;

public sealed class EspeakPhonemizerTests
{
    private static string SystemData => Path.Combine("/usr/lib", RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "aarch64-linux-gnu" : "x86_64-linux-gnu", "espeak-ng-data");

    [Fact]
    public void A_configured_data_folder_is_used_and_gives_the_same_phonemes()
    {
        if (!Directory.Exists(SystemData))
        {
            Assert.Fail($"{SystemData} comes with Debian's espeak-ng-data (eng/provision.sh installs it)");
        }

        var configured = EspeakPhonemizer.ResolveDataPath(SystemData, bundled: null);
        Assert.Equal(SystemData, configured);
        var withPath = EspeakPhonemizer.Phonemize("Good evening, everyone.", "en-us", configured);
        var installed = EspeakPhonemizer.Phonemize("Good evening, everyone.", "en-us", null);
        Assert.Equal(installed, withPath);
        Assert.EndsWith(".", withPath, StringComparison.Ordinal);
        Assert.Contains(", ", withPath, StringComparison.Ordinal);
    }

    [Fact]
    public void Switching_to_another_data_folder_in_the_same_process_is_refused_clearly()
    {
        Assert.NotEmpty(EspeakPhonemizer.Phonemize("hello", "en-us"));
        var dir = TestPaths.NewTempDirectory("espeak-other");
        try
        {
            var ex = Assert.Throws<InvalidOperationException>(() => EspeakPhonemizer.Phonemize("hello", "en-us", dir));
            Assert.Contains(dir, ex.Message, StringComparison.Ordinal);
            Assert.Contains("process-wide", ex.Message, StringComparison.Ordinal);
            Assert.NotEmpty(EspeakPhonemizer.Phonemize("hello", "en-us"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void An_unusable_configured_folder_is_rejected_naming_what_is_missing()
    {
        var dir = TestPaths.NewTempDirectory("espeak");
        try
        {
            File.WriteAllText(Path.Combine(dir, "phontab"), string.Empty);
            var ex = Assert.Throws<DirectoryNotFoundException>(() => EspeakPhonemizer.ResolveDataPath(dir, bundled: null));
            Assert.Contains("phonindex, phondata, intonations", ex.Message, StringComparison.Ordinal);
            Assert.Contains(dir, ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void An_unknown_espeak_voice_is_a_clear_error() =>
        Assert.Contains("xx-nope", Assert.Throws<InvalidOperationException>(() => EspeakPhonemizer.Phonemize("hello", "xx-nope")).Message, StringComparison.Ordinal);

    [RequiresFileFact("piper/en_US-libritts_r-medium/espeak-ng-data/phontab", "the provisioned voice's bundled espeak-ng data")]
    public void The_bundled_data_of_the_provisioned_voice_is_skipped_when_this_espeak_cannot_read_it()
    {
        var bundled = TestPaths.Model("piper/en_US-libritts_r-medium/espeak-ng-data");
        Assert.Null(EspeakPhonemizer.ResolveDataPath(configured: null, bundled));
        Assert.Equal(SystemData, EspeakPhonemizer.ResolveDataPath(configured: null, SystemData));
    }
}
