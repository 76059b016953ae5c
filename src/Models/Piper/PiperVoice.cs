using System.Globalization;
using System.Text;
using System.Text.Json;
using VoiceAppliance.Models.Onnx;

namespace VoiceAppliance.Models.Piper;

/// <summary>
/// A loaded Piper (VITS) voice: the ONNX model, its phoneme-to-id table, sample rate, speakers, espeak language and
/// default scales. Load once; <see cref="PiperTts"/> synthesizes with it.
/// </summary>
public sealed class PiperVoice : IDisposable
{
    private readonly Dictionary<int, int[]> _phonemeIds;

    private PiperVoice(OnnxSession session, PiperVoiceLayout layout, Dictionary<int, int[]> phonemeIds, int sampleRate, int speakers, string espeakVoice, string? espeakData, float noiseScale, float lengthScale, float noiseW)
    {
        Session = session;
        Layout = layout;
        _phonemeIds = phonemeIds;
        SampleRate = sampleRate;
        SpeakerCount = speakers;
        EspeakVoice = espeakVoice;
        EspeakDataPath = espeakData;
        NoiseScale = noiseScale;
        LengthScale = lengthScale;
        NoiseW = noiseW;
        HasSpeakerInput = session.FindInput("sid") is not null;
        Pad = Single("_");
        Bos = Single("^");
        Eos = Single("$");
    }

    /// <summary>The model file.</summary>
    public string ModelPath => Session.Source;

    /// <summary>The layout found.</summary>
    public PiperVoiceLayout Layout { get; }

    /// <summary>Output sample rate.</summary>
    public int SampleRate { get; }

    /// <summary>Number of speakers (1 for single-speaker voices).</summary>
    public int SpeakerCount { get; }

    /// <summary>espeak-ng language of the voice, for example "en-us".</summary>
    public string EspeakVoice { get; }

    /// <summary>The espeak-ng-data folder in use, or null for the installed data.</summary>
    public string? EspeakDataPath { get; }

    /// <summary>Default noise scale.</summary>
    public float NoiseScale { get; }

    /// <summary>Default length scale (1 / speed).</summary>
    public float LengthScale { get; }

    /// <summary>Default noise width (noise_w).</summary>
    public float NoiseW { get; }

    internal OnnxSession Session { get; }

    internal bool HasSpeakerInput { get; }

    internal int Pad { get; }

    internal int Bos { get; }

    internal int Eos { get; }

    /// <summary>
    /// Loads a voice from a folder or a model file. A folder is searched for <c>*.onnx</c> with <c>*.onnx.json</c>
    /// (Piper) or <c>model.onnx</c> with <c>tokens.txt</c> (sherpa-onnx).
    /// </summary>
    /// <exception cref="FileNotFoundException">No voice files were found; the message lists what was looked for.</exception>
    /// <exception cref="InvalidDataException">The files are not a usable Piper voice; the message names the file and the problem.</exception>
    public static PiperVoice Load(string path, PiperVoiceOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new PiperVoiceOptions();
        var model = FindModel(path);
        var folder = Path.GetDirectoryName(model)!;
        var json = File.Exists(model + ".json") ? model + ".json" : null;
        var tokens = Path.Combine(folder, "tokens.txt");
        if (json is null && !File.Exists(tokens))
        {
            throw new FileNotFoundException(
                $"Piper voice '{model}' has neither '{Path.GetFileName(model)}.json' (Piper layout) nor 'tokens.txt' (sherpa-onnx layout) beside it. Fix: download the voice's .onnx.json or tokens.txt too.", model);
        }

        // Config first: a broken config fails fast, before the model (tens of MB) is loaded.
        var config = json is not null ? ReadPiperJson(json) : null;
        var session = OnnxSession.FromFile(model, options.Session);
        try
        {
            const string Expected = "Piper (VITS) voice with inputs input, input_lengths, scales [, sid]";
            session.RequireInput("input", OnnxElementType.Int64, [1, -1], Expected);
            session.RequireInput("input_lengths", OnnxElementType.Int64, [1], Expected);
            session.RequireInput("scales", OnnxElementType.Float, [3], Expected);
            if (session.Outputs.Count == 0 || session.Outputs[0].ElementType != OnnxElementType.Float)
            {
                throw new InvalidDataException($"Model '{model}' is not a {Expected}: its first output is not a float tensor of audio.");
            }

            var bundledData = Path.Combine(folder, "espeak-ng-data");
            return json is not null
                ? FromPiperJson(session, config!, options, bundledData)
                : FromTokens(session, tokens, options, bundledData);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Piper's ids for IPA <paramref name="phonemes"/>: BOS <c>^</c>, each phoneme's ids followed by pad <c>_</c>,
    /// EOS <c>$</c>. Phonemes the voice does not know are skipped and counted in <paramref name="unknown"/>.
    /// </summary>
    public List<long> PhonemesToIds(string phonemes, out int unknown)
    {
        ArgumentNullException.ThrowIfNull(phonemes);
        unknown = 0;
        var ids = new List<long>((phonemes.Length * 2) + 3) { Bos, Pad };
        foreach (var rune in phonemes.EnumerateRunes())
        {
            if (!_phonemeIds.TryGetValue(rune.Value, out var mapped))
            {
                unknown++;
                continue;
            }

            foreach (var id in mapped)
            {
                ids.Add(id);
            }

            ids.Add(Pad);
        }

        ids.Add(Eos);
        return ids;
    }

    /// <inheritdoc/>
    public void Dispose() => Session.Dispose();

    private int Single(string symbol) =>
        _phonemeIds.TryGetValue(char.ConvertToUtf32(symbol, 0), out var ids) && ids.Length == 1
            ? ids[0]
            : throw new InvalidDataException($"Piper voice '{Session.Source}' has no id for the required symbol '{symbol}' (pad _, BOS ^, EOS $). Fix: use a Piper voice whose phoneme map has them.");

    private static string FindModel(string path)
    {
        if (File.Exists(path))
        {
            return Path.GetFullPath(path);
        }

        if (!Directory.Exists(path))
        {
            throw new FileNotFoundException($"Piper voice '{path}' does not exist (give a voice folder or its .onnx file). Fix: run eng/provision.sh or correct the voice path.", path);
        }

        var onnx = Directory.GetFiles(path, "*.onnx");
        var withJson = onnx.Where(f => File.Exists(f + ".json")).Order(StringComparer.Ordinal).FirstOrDefault();
        var model = withJson ?? onnx.FirstOrDefault(f => Path.GetFileName(f) == "model.onnx") ?? (onnx.Length == 1 ? onnx[0] : null);
        return model is not null
            ? Path.GetFullPath(model)
            : throw new FileNotFoundException($"Piper voice folder '{path}' has no voice (*.onnx with *.onnx.json, or model.onnx with tokens.txt). Fix: put the voice's files there.", path);
    }

    private static PiperConfigJson ReadPiperJson(string jsonPath)
    {
        PiperConfigJson? config;
        try
        {
            using var stream = File.OpenRead(jsonPath);
            config = JsonSerializer.Deserialize(stream, PiperJsonContext.Default.PiperConfigJson);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Piper voice config '{jsonPath}' is not valid JSON: {ex.Message}. Fix: re-download the voice's .onnx.json.", ex);
        }

        if (config?.PhonemeIdMap is not { Count: > 0 })
        {
            throw new InvalidDataException($"Piper voice config '{jsonPath}' has no phoneme_id_map. Fix: use the .onnx.json that belongs to this voice.");
        }

        if (config.PhonemeType is { } type && type != "espeak")
        {
            throw new InvalidDataException($"Piper voice config '{jsonPath}' has phoneme_type '{type}'; only 'espeak' voices are supported.");
        }

        var rate = config.Audio?.SampleRate ?? 0;
        if (rate is < 8000 or > 96000)
        {
            throw new InvalidDataException($"Piper voice config '{jsonPath}' has audio.sample_rate {rate}; expected a rate between 8000 and 96000 such as 22050.");
        }

        return config;
    }

    private static PiperVoice FromPiperJson(OnnxSession session, PiperConfigJson config, PiperVoiceOptions options, string bundledData)
    {
        var map = config.PhonemeIdMap!;
        var rate = config.Audio!.SampleRate;
        var ids = new Dictionary<int, int[]>();
        foreach (var (symbol, values) in map)
        {
            if (symbol.EnumerateRunes().Count() == 1 && values is { Length: > 0 })
            {
                ids[symbol.EnumerateRunes().First().Value] = values;
            }
        }

        var inference = config.Inference;
        return new PiperVoice(
            session,
            PiperVoiceLayout.Piper,
            ids,
            rate,
            Math.Max(1, config.NumSpeakers),
            config.Espeak?.Voice ?? "en-us",
            EspeakPhonemizer.ResolveDataPath(options.EspeakDataPath, bundledData),
            inference?.NoiseScale ?? 0.667f,
            inference?.LengthScale ?? 1f,
            inference?.NoiseW ?? 0.8f);
    }

    private static PiperVoice FromTokens(OnnxSession session, string tokensPath, PiperVoiceOptions options, string bundledData)
    {
        var ids = new Dictionary<int, int[]>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(tokensPath, Encoding.UTF8))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            // "<symbol> <id>"; the symbol may itself be a space ("  3").
            var space = line.LastIndexOf(' ');
            if (space < 0 || !int.TryParse(line.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                throw new InvalidDataException($"'{tokensPath}' line {lineNumber} is not '<symbol> <id>': \"{line}\". Fix: use the tokens.txt that belongs to this voice.");
            }

            var symbol = space == 0 ? " " : line[..space];
            var runes = symbol.EnumerateRunes().ToArray();
            if (runes.Length == 1)
            {
                ids[runes[0].Value] = [id];
            }
        }

        var metadata = session.Metadata;
        var rate = metadata.TryGetValue("sample_rate", out var r) && int.TryParse(r, CultureInfo.InvariantCulture, out var parsed) ? parsed : 22050;
        var speakers = metadata.TryGetValue("n_speakers", out var n) && int.TryParse(n, CultureInfo.InvariantCulture, out var count) ? Math.Max(1, count) : 1;
        var voice = metadata.TryGetValue("voice", out var v) && v.Length > 0 ? v : "en-us";
        if (rate is < 8000 or > 96000)
        {
            throw new InvalidDataException($"Piper voice '{session.Source}' says sample_rate {rate} in its metadata; expected a rate between 8000 and 96000.");
        }

        return new PiperVoice(
            session,
            PiperVoiceLayout.SherpaOnnx,
            ids,
            rate,
            speakers,
            voice,
            EspeakPhonemizer.ResolveDataPath(options.EspeakDataPath, bundledData),
            0.667f,
            1f,
            0.8f);
    }
}
