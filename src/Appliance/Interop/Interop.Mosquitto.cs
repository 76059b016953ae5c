using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;
using VoiceAppliance.Mqtt;

namespace VoiceAppliance;

internal static partial class Interop
{
    /// <summary>libmosquitto 2.0 entry points (mosquitto.h of libmosquitto-dev 2.0.11).</summary>
    internal static unsafe partial class Mosquitto
    {
        internal const int MOSQ_ERR_SUCCESS = 0;
        internal const int MOSQ_ERR_NOMEM = 1;
        internal const int MOSQ_ERR_PROTOCOL = 2;
        internal const int MOSQ_ERR_INVAL = 3;
        internal const int MOSQ_ERR_NO_CONN = 4;
        internal const int MOSQ_ERR_CONN_REFUSED = 5;
        internal const int MOSQ_ERR_NOT_FOUND = 6;
        internal const int MOSQ_ERR_CONN_LOST = 7;
        internal const int MOSQ_ERR_TLS = 8;
        internal const int MOSQ_ERR_PAYLOAD_SIZE = 9;
        internal const int MOSQ_ERR_NOT_SUPPORTED = 10;
        internal const int MOSQ_ERR_AUTH = 11;
        internal const int MOSQ_ERR_ACL_DENIED = 12;
        internal const int MOSQ_ERR_UNKNOWN = 13;
        internal const int MOSQ_ERR_ERRNO = 14;

        internal const int MOSQ_OPT_PROTOCOL_VERSION = 1;
        internal const int MOSQ_OPT_TCP_NODELAY = 11;
        internal const int MOSQ_OPT_TLS_USE_OS_CERTS = 13;

        internal const int MQTT_PROTOCOL_V311 = 4;
        internal const int MQTT_PROTOCOL_V5 = 5;

        internal const int MQTT_PROP_SESSION_EXPIRY_INTERVAL = 17;

        /// <summary>struct mosquitto_message (bool is one byte in the C ABI).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct mosquitto_message
        {
            public int mid;
            public byte* topic;
            public byte* payload;
            public int payloadlen;
            public int qos;
            public byte retain;
        }

        [LibraryImport(Libraries.Mosquitto)]
        internal static partial int mosquitto_lib_version(out int major, out int minor, out int revision);

        [LibraryImport(Libraries.Mosquitto)]
        internal static partial int mosquitto_lib_init();

        [LibraryImport(Libraries.Mosquitto, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial nint mosquitto_new(string? id, [MarshalAs(UnmanagedType.U1)] bool cleanSession, nint obj);

        [LibraryImport(Libraries.Mosquitto)]
        internal static partial void mosquitto_destroy(nint mosq);

        [LibraryImport(Libraries.Mosquitto)]
        internal static partial int mosquitto_threaded_set(MosquittoSafeHandle mosq, [MarshalAs(UnmanagedType.U1)] bool threaded);

        [LibraryImport(Libraries.Mosquitto)]
        internal static partial int mosquitto_int_option(MosquittoSafeHandle mosq, int option, int value);

        [LibraryImport(Libraries.Mosquitto, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int mosquitto_will_set(MosquittoSafeHandle mosq, string topic, int payloadlen, byte* payload, int qos, [MarshalAs(UnmanagedType.U1)] bool retain);

        [LibraryImport(Libraries.Mosquitto, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int mosquitto_username_pw_set(MosquittoSafeHandle mosq, string? username, string? password);

        [LibraryImport(Libraries.Mosquitto, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int mosquitto_tls_set(MosquittoSafeHandle mosq, string? cafile, string? capath, string? certfile, string? keyfile, nint pwCallback);

        [LibraryImport(Libraries.Mosquitto)]
        internal static partial int mosquitto_tls_insecure_set(MosquittoSafeHandle mosq, [MarshalAs(UnmanagedType.U1)] bool value);

        [LibraryImport(Libraries.Mosquitto, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int mosquitto_connect_bind_v5(MosquittoSafeHandle mosq, string host, int port, int keepalive, string? bindAddress, nint properties);

        [LibraryImport(Libraries.Mosquitto)]
        internal static partial int mosquitto_reconnect(MosquittoSafeHandle mosq);

        [LibraryImport(Libraries.Mosquitto)]
        internal static partial int mosquitto_disconnect(MosquittoSafeHandle mosq);

        [LibraryImport(Libraries.Mosquitto, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int mosquitto_publish(MosquittoSafeHandle mosq, out int mid, string topic, int payloadlen, byte* payload, int qos, [MarshalAs(UnmanagedType.U1)] bool retain);

        [LibraryImport(Libraries.Mosquitto, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int mosquitto_subscribe(MosquittoSafeHandle mosq, out int mid, string sub, int qos);

        [LibraryImport(Libraries.Mosquitto)]
        internal static partial int mosquitto_loop(MosquittoSafeHandle mosq, int timeout, int maxPackets);

        [LibraryImport(Libraries.Mosquitto)]
        internal static partial void mosquitto_connect_callback_set(MosquittoSafeHandle mosq, delegate* unmanaged[Cdecl]<nint, nint, int, void> callback);

        [LibraryImport(Libraries.Mosquitto)]
        internal static partial void mosquitto_disconnect_callback_set(MosquittoSafeHandle mosq, delegate* unmanaged[Cdecl]<nint, nint, int, void> callback);

        [LibraryImport(Libraries.Mosquitto)]
        internal static partial void mosquitto_publish_callback_set(MosquittoSafeHandle mosq, delegate* unmanaged[Cdecl]<nint, nint, int, void> callback);

        [LibraryImport(Libraries.Mosquitto)]
        internal static partial void mosquitto_message_callback_set(MosquittoSafeHandle mosq, delegate* unmanaged[Cdecl]<nint, nint, mosquitto_message*, void> callback);

        [LibraryImport(Libraries.Mosquitto)]
        internal static partial int mosquitto_property_add_int32(ref nint proplist, int identifier, uint value);

        [LibraryImport(Libraries.Mosquitto)]
        internal static partial void mosquitto_property_free_all(ref nint properties);

        /// <summary>Returns a static string owned by the library (not freed by the caller).</summary>
        [LibraryImport(Libraries.Mosquitto)]
        internal static partial nint mosquitto_strerror(int errorCode);

        /// <summary>Returns a static string owned by the library (not freed by the caller).</summary>
        [LibraryImport(Libraries.Mosquitto)]
        internal static partial nint mosquitto_connack_string(int connackCode);

        /// <summary>Returns a static string owned by the library (not freed by the caller).</summary>
        [LibraryImport(Libraries.Mosquitto)]
        internal static partial nint mosquitto_reason_string(int reasonCode);

        [LibraryImport(Libraries.Mosquitto, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int mosquitto_pub_topic_check(string topic);

        internal static string? PtrToString(nint p) => p == 0 ? null : Utf8StringMarshaller.ConvertToManaged((byte*)p);
    }
}
