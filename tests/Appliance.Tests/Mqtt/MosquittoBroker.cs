using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using VoiceAppliance.Testing;

namespace VoiceAppliance.Tests.Mqtt;

/// <summary>
/// A real Debian <c>/usr/sbin/mosquitto</c> on a free 127.0.0.1 port with a generated config (optionally a TLS
/// listener with an openssl-generated CA, and persistence so sessions survive a restart), stopped by PID.
/// </summary>
internal sealed partial class MosquittoBroker : IDisposable
{
    public const string Program = "/usr/sbin/mosquitto";
    private const int Sigterm = 15;
    private const int Sigkill = 9;
    private Process? _process;

    private MosquittoBroker(string directory, int port, int? tlsPort, TlsFiles? tls)
    {
        Directory = directory;
        Port = port;
        TlsPort = tlsPort;
        Tls = tls;
    }

    public string Directory { get; }

    public int Port { get; }

    public int? TlsPort { get; }

    public TlsFiles? Tls { get; }

    public string ConfigPath => Path.Combine(Directory, "mosquitto.conf");

    public string AclPath => Path.Combine(Directory, "acl");

    public int Pid => _process?.Id ?? 0;

    /// <summary>Starts a broker; <paramref name="acl"/>: the lines of an <c>acl_file</c> (anonymous clients use its first block).</summary>
    public static MosquittoBroker Start(bool tls = false, bool persistence = false, IReadOnlyList<string>? acl = null)
    {
        var dir = TestPaths.NewTempDirectory("mqtt-broker");
        var port = FreePort();
        int? tlsPort = null;
        TlsFiles? files = null;
        var conf = new List<string>
        {
            "user root",
            "allow_anonymous true",
            $"listener {port} 127.0.0.1",
            "max_queued_messages 100000",
            "max_inflight_messages 0",
            $"log_dest file {Path.Combine(dir, "broker.log")}",
        };
        if (persistence)
        {
            conf.Add("persistence true");
            conf.Add($"persistence_location {dir}/");
            conf.Add("autosave_interval 3600");
        }

        if (tls)
        {
            files = TlsFiles.Create(dir);
            tlsPort = FreePort();
            conf.Add($"listener {tlsPort} 127.0.0.1");
            conf.Add($"cafile {files.CaFile}");
            conf.Add($"certfile {files.ServerCert}");
            conf.Add($"keyfile {files.ServerKey}");
        }

        if (acl is not null)
        {
            var aclPath = Path.Combine(dir, "acl");
            File.WriteAllLines(aclPath, acl);
            conf.Add($"acl_file {aclPath}");
        }

        var broker = new MosquittoBroker(dir, port, tlsPort, files);
        File.WriteAllLines(broker.ConfigPath, conf);
        broker.Launch();
        return broker;
    }

    /// <summary>Starts the broker process (again) with the same config and port, and waits until it accepts connections.</summary>
    public void Launch()
    {
        _process = System.Diagnostics.Process.Start(new ProcessStartInfo(Program, ["-c", ConfigPath])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("mosquitto did not start");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"mosquitto exited with {_process.ExitCode}: {_process.StandardError.ReadToEnd()} {ReadLog()}");
            }

            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(10);
            }
        }

        throw new TimeoutException("mosquitto did not accept connections within 10 s: " + ReadLog());
    }

    /// <summary>Stops the broker by PID: SIGTERM (it saves persistence) or SIGKILL.</summary>
    public void Stop(bool kill = false)
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, kill ? Sigkill : Sigterm);
            if (!_process.WaitForExit(10_000))
            {
                _ = Kill(_process.Id, Sigkill);
                _process.WaitForExit(5_000);
            }
        }

        _process.Dispose();
        _process = null;
    }

    public string ReadLog()
    {
        var path = Path.Combine(Directory, "broker.log");
        return File.Exists(path) ? File.ReadAllText(path) : string.Empty;
    }

    public void Dispose()
    {
        Stop(kill: true);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>A CA and a server certificate for localhost / 127.0.0.1, made with openssl.</summary>
    internal sealed record TlsFiles(string CaFile, string ServerCert, string ServerKey, string OtherCaFile)
    {
        public static TlsFiles Create(string dir)
        {
            string P(string name) => Path.Combine(dir, name);
            File.WriteAllText(P("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
            const string Ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
            Run($"req -x509 {Ec} -keyout {P("ca.key")} -out {P("ca.crt")} -days 2 -subj /CN=test-ca");
            Run($"req -x509 {Ec} -keyout {P("other-ca.key")} -out {P("other-ca.crt")} -days 2 -subj /CN=other-ca");
            Run($"req {Ec} -keyout {P("server.key")} -out {P("server.csr")} -subj /CN=localhost");
            Run($"x509 -req -in {P("server.csr")} -CA {P("ca.crt")} -CAkey {P("ca.key")} -CAcreateserial -out {P("server.crt")} -days 2 -extfile {P("san.ext")}");
            return new TlsFiles(P("ca.crt"), P("server.crt"), P("server.key"), P("other-ca.crt"));
        }

        private static void Run(string args)
        {
            using var p = System.Diagnostics.Process.Start(new ProcessStartInfo("openssl", args.Split(' '))
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            })!;
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                throw new InvalidOperationException($"openssl {args} failed: {err.Result}");
            }
        }
    }
}
