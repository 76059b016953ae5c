using System.Runtime.InteropServices;
using VoiceAppliance.Models.Onnx;

namespace VoiceAppliance.Models;

internal static partial class Interop
{
    internal static unsafe partial class OnnxRuntime
    {
        /// <summary>
        /// <c>ORT_API_VERSION</c> of onnxruntime 1.30 (the API version is the release's minor number). The table
        /// returned for it is a superset of every older version's table: ORT only ever appends slots.
        /// </summary>
        internal const uint ApiVersion = 30;

        /// <summary>
        /// The first 124 slots (0..123) of <c>struct OrtApi</c> in onnxruntime_c_api.h, in header order. Slots this
        /// project does not call are <c>void*</c> placeholders so the ones it calls sit at the right offsets.
        /// </summary>
        /// <remarks>
        /// Slot order checked against the <c>ort_api_1_to_2</c>/<c>ort_api_3</c> tables of onnxruntime_c_api.cc and its
        /// frozen-ABI asserts that every later release keeps (1.30 included):
        /// <c>offsetof(OrtApi, ReleaseCustomOpDomain) / sizeof(void*) == 101</c>,
        /// <c>offsetof(OrtApi, ReleaseModelMetadata) / sizeof(void*) == 118</c>,
        /// <c>offsetof(OrtApi, AddFreeDimensionOverrideByName) / sizeof(void*) == 124</c>. The last slot used here is
        /// <c>ModelMetadataGetCustomMetadataMapKeys</c> (123). <c>OrtApiTests</c> checks the offsets.
        /// </remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct OrtApi
        {
            // Version 1
            public void* CreateStatus;                                                             // 0
            public delegate* unmanaged[Cdecl]<nint, OrtErrorCode> GetErrorCode;                   // 1
            public delegate* unmanaged[Cdecl]<nint, byte*> GetErrorMessage;                        // 2
            public delegate* unmanaged[Cdecl]<OrtLoggingLevel, byte*, nint*, nint> CreateEnv;       // 3
            public void* CreateEnvWithCustomLogger;                                                // 4
            public void* EnableTelemetryEvents;                                                    // 5
            public delegate* unmanaged[Cdecl]<nint, nint> DisableTelemetryEvents;                  // 6
            public delegate* unmanaged[Cdecl]<nint, byte*, nint, nint*, nint> CreateSession;       // 7
            public delegate* unmanaged[Cdecl]<nint, void*, nuint, nint, nint*, nint> CreateSessionFromArray; // 8
            public delegate* unmanaged[Cdecl]<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint> Run; // 9
            public delegate* unmanaged[Cdecl]<nint*, nint> CreateSessionOptions;                   // 10
            public void* SetOptimizedModelFilePath;                                                // 11
            public void* CloneSessionOptions;                                                      // 12
            public delegate* unmanaged[Cdecl]<nint, int, nint> SetSessionExecutionMode;            // 13
            public void* EnableProfiling;                                                          // 14
            public void* DisableProfiling;                                                         // 15
            public void* EnableMemPattern;                                                         // 16
            public void* DisableMemPattern;                                                        // 17
            public void* EnableCpuMemArena;                                                        // 18
            public void* DisableCpuMemArena;                                                       // 19
            public void* SetSessionLogId;                                                          // 20
            public void* SetSessionLogVerbosityLevel;                                              // 21
            public delegate* unmanaged[Cdecl]<nint, int, nint> SetSessionLogSeverityLevel;         // 22
            public delegate* unmanaged[Cdecl]<nint, GraphOptimizationLevel, nint> SetSessionGraphOptimizationLevel; // 23
            public delegate* unmanaged[Cdecl]<nint, int, nint> SetIntraOpNumThreads;               // 24
            public delegate* unmanaged[Cdecl]<nint, int, nint> SetInterOpNumThreads;               // 25
            public void* CreateCustomOpDomain;                                                     // 26
            public void* CustomOpDomain_Add;                                                       // 27
            public void* AddCustomOpDomain;                                                        // 28
            public void* RegisterCustomOpsLibrary;                                                 // 29
            public delegate* unmanaged[Cdecl]<nint, nuint*, nint> SessionGetInputCount;           // 30
            public delegate* unmanaged[Cdecl]<nint, nuint*, nint> SessionGetOutputCount;          // 31
            public void* SessionGetOverridableInitializerCount;                                    // 32
            public delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint> SessionGetInputTypeInfo;  // 33
            public delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint> SessionGetOutputTypeInfo; // 34
            public void* SessionGetOverridableInitializerTypeInfo;                                 // 35
            public delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint> SessionGetInputName;  // 36
            public delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint> SessionGetOutputName; // 37
            public void* SessionGetOverridableInitializerName;                                     // 38
            public delegate* unmanaged[Cdecl]<nint*, nint> CreateRunOptions;                       // 39
            public void* RunOptionsSetRunLogVerbosityLevel;                                        // 40
            public void* RunOptionsSetRunLogSeverityLevel;                                         // 41
            public void* RunOptionsSetRunTag;                                                      // 42
            public void* RunOptionsGetRunLogVerbosityLevel;                                        // 43
            public void* RunOptionsGetRunLogSeverityLevel;                                         // 44
            public void* RunOptionsGetRunTag;                                                      // 45
            public delegate* unmanaged[Cdecl]<nint, nint> RunOptionsSetTerminate;                  // 46
            public delegate* unmanaged[Cdecl]<nint, nint> RunOptionsUnsetTerminate;                // 47
            public void* CreateTensorAsOrtValue;                                                   // 48
            public delegate* unmanaged[Cdecl]<nint, void*, nuint, long*, nuint, OnnxElementType, nint*, nint> CreateTensorWithDataAsOrtValue; // 49
            public delegate* unmanaged[Cdecl]<nint, int*, nint> IsTensor;                         // 50
            public delegate* unmanaged[Cdecl]<nint, void**, nint> GetTensorMutableData;           // 51
            public void* FillStringTensor;                                                         // 52
            public void* GetStringTensorDataLength;                                                // 53
            public void* GetStringTensorContent;                                                   // 54
            public delegate* unmanaged[Cdecl]<nint, nint*, nint> CastTypeInfoToTensorInfo;        // 55
            public delegate* unmanaged[Cdecl]<nint, OnnxType*, nint> GetOnnxTypeFromTypeInfo;     // 56
            public void* CreateTensorTypeAndShapeInfo;                                             // 57
            public void* SetTensorElementType;                                                     // 58
            public void* SetDimensions;                                                            // 59
            public delegate* unmanaged[Cdecl]<nint, OnnxElementType*, nint> GetTensorElementType; // 60
            public delegate* unmanaged[Cdecl]<nint, nuint*, nint> GetDimensionsCount;             // 61
            public delegate* unmanaged[Cdecl]<nint, long*, nuint, nint> GetDimensions;            // 62
            public void* GetSymbolicDimensions;                                                    // 63
            public delegate* unmanaged[Cdecl]<nint, nuint*, nint> GetTensorShapeElementCount;     // 64
            public delegate* unmanaged[Cdecl]<nint, nint*, nint> GetTensorTypeAndShape;           // 65
            public void* GetTypeInfo;                                                              // 66
            public void* GetValueType;                                                             // 67
            public void* CreateMemoryInfo;                                                         // 68
            public delegate* unmanaged[Cdecl]<OrtAllocatorType, OrtMemType, nint*, nint> CreateCpuMemoryInfo; // 69
            public void* CompareMemoryInfo;                                                        // 70
            public void* MemoryInfoGetName;                                                        // 71
            public void* MemoryInfoGetId;                                                          // 72
            public void* MemoryInfoGetMemType;                                                     // 73
            public void* MemoryInfoGetType;                                                        // 74
            public void* AllocatorAlloc;                                                           // 75
            public delegate* unmanaged[Cdecl]<nint, void*, nint> AllocatorFree;                   // 76
            public void* AllocatorGetInfo;                                                         // 77
            public delegate* unmanaged[Cdecl]<nint*, nint> GetAllocatorWithDefaultOptions;        // 78
            public void* AddFreeDimensionOverride;                                                 // 79
            public void* GetValue;                                                                 // 80
            public void* GetValueCount;                                                            // 81
            public void* CreateValue;                                                              // 82
            public void* CreateOpaqueValue;                                                        // 83
            public void* GetOpaqueValue;                                                           // 84
            public void* KernelInfoGetAttribute_float;                                             // 85
            public void* KernelInfoGetAttribute_int64;                                             // 86
            public void* KernelInfoGetAttribute_string;                                            // 87
            public void* KernelContext_GetInputCount;                                              // 88
            public void* KernelContext_GetOutputCount;                                             // 89
            public void* KernelContext_GetInput;                                                   // 90
            public void* KernelContext_GetOutput;                                                  // 91
            public delegate* unmanaged[Cdecl]<nint, void> ReleaseEnv;                             // 92
            public delegate* unmanaged[Cdecl]<nint, void> ReleaseStatus;                          // 93
            public delegate* unmanaged[Cdecl]<nint, void> ReleaseMemoryInfo;                      // 94
            public delegate* unmanaged[Cdecl]<nint, void> ReleaseSession;                         // 95
            public delegate* unmanaged[Cdecl]<nint, void> ReleaseValue;                           // 96
            public delegate* unmanaged[Cdecl]<nint, void> ReleaseRunOptions;                      // 97
            public delegate* unmanaged[Cdecl]<nint, void> ReleaseTypeInfo;                        // 98
            public delegate* unmanaged[Cdecl]<nint, void> ReleaseTensorTypeAndShapeInfo;          // 99
            public delegate* unmanaged[Cdecl]<nint, void> ReleaseSessionOptions;                  // 100
            public void* ReleaseCustomOpDomain;                                                    // 101 (end of version 1)

            // Version 2
            public void* GetDenotationFromTypeInfo;                                                // 102
            public void* CastTypeInfoToMapTypeInfo;                                                // 103
            public void* CastTypeInfoToSequenceTypeInfo;                                           // 104
            public void* GetMapKeyType;                                                            // 105
            public void* GetMapValueType;                                                          // 106
            public void* GetSequenceElementType;                                                   // 107
            public void* ReleaseMapTypeInfo;                                                       // 108
            public void* ReleaseSequenceTypeInfo;                                                  // 109
            public void* SessionEndProfiling;                                                      // 110
            public delegate* unmanaged[Cdecl]<nint, nint*, nint> SessionGetModelMetadata;         // 111
            public delegate* unmanaged[Cdecl]<nint, nint, byte**, nint> ModelMetadataGetProducerName; // 112
            public delegate* unmanaged[Cdecl]<nint, nint, byte**, nint> ModelMetadataGetGraphName;    // 113
            public void* ModelMetadataGetDomain;                                                   // 114
            public void* ModelMetadataGetDescription;                                              // 115
            public delegate* unmanaged[Cdecl]<nint, nint, byte*, byte**, nint> ModelMetadataLookupCustomMetadataMap; // 116
            public delegate* unmanaged[Cdecl]<nint, long*, nint> ModelMetadataGetVersion;         // 117
            public delegate* unmanaged[Cdecl]<nint, void> ReleaseModelMetadata;                   // 118 (end of version 2)

            // Version 3
            public void* CreateEnvWithGlobalThreadPools;                                           // 119
            public void* DisablePerSessionThreads;                                                 // 120
            public void* CreateThreadingOptions;                                                   // 121
            public void* ReleaseThreadingOptions;                                                  // 122
            public delegate* unmanaged[Cdecl]<nint, nint, byte***, long*, nint> ModelMetadataGetCustomMetadataMapKeys; // 123
        }

        /// <summary>onnxruntime_c_api.h <c>OrtErrorCode</c>.</summary>
        internal enum OrtErrorCode
        {
            Ok = 0,
            Fail = 1,
            InvalidArgument = 2,
            NoSuchFile = 3,
            NoModel = 4,
            EngineError = 5,
            RuntimeException = 6,
            InvalidProtobuf = 7,
            ModelLoaded = 8,
            NotImplemented = 9,
            InvalidGraph = 10,
            EpFail = 11,
        }

        /// <summary>onnxruntime_c_api.h <c>OrtLoggingLevel</c>.</summary>
        internal enum OrtLoggingLevel
        {
            Verbose = 0,
            Info = 1,
            Warning = 2,
            Error = 3,
            Fatal = 4,
        }

        /// <summary>onnxruntime_c_api.h <c>GraphOptimizationLevel</c>.</summary>
        internal enum GraphOptimizationLevel
        {
            DisableAll = 0,
            EnableBasic = 1,
            EnableExtended = 2,
            EnableAll = 99,
        }

        /// <summary>onnxruntime_c_api.h <c>ONNXType</c>.</summary>
        internal enum OnnxType
        {
            Unknown = 0,
            Tensor = 1,
            Sequence = 2,
            Map = 3,
            Opaque = 4,
            SparseTensor = 5,
            Optional = 6,
        }

        /// <summary>onnxruntime_c_api.h <c>OrtAllocatorType</c>.</summary>
        internal enum OrtAllocatorType
        {
            Invalid = -1,
            Device = 0,
            Arena = 1,
        }

        /// <summary>onnxruntime_c_api.h <c>OrtMemType</c>.</summary>
        internal enum OrtMemType
        {
            CpuInput = -2,
            CpuOutput = -1,
            Cpu = CpuOutput,
            Default = 0,
        }
    }
}
