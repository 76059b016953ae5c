using Microsoft.Win32.SafeHandles;

namespace VoiceAppliance.Models.Onnx;

/// <summary>An <c>OrtEnv*</c>, released with <c>ReleaseEnv</c>.</summary>
internal sealed unsafe class OrtEnvSafeHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public OrtEnvSafeHandle(nint handle)
        : base(ownsHandle: true) => SetHandle(handle);

    protected override bool ReleaseHandle()
    {
        Ort.Api->ReleaseEnv(handle);
        return true;
    }
}

/// <summary>An <c>OrtSessionOptions*</c>, released with <c>ReleaseSessionOptions</c>.</summary>
internal sealed unsafe class OrtSessionOptionsSafeHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public OrtSessionOptionsSafeHandle(nint handle)
        : base(ownsHandle: true) => SetHandle(handle);

    protected override bool ReleaseHandle()
    {
        Ort.Api->ReleaseSessionOptions(handle);
        return true;
    }
}

/// <summary>An <c>OrtSession*</c>, released with <c>ReleaseSession</c>.</summary>
internal sealed unsafe class OrtSessionSafeHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public OrtSessionSafeHandle(nint handle)
        : base(ownsHandle: true) => SetHandle(handle);

    protected override bool ReleaseHandle()
    {
        Ort.Api->ReleaseSession(handle);
        return true;
    }
}

/// <summary>An <c>OrtValue*</c>, released with <c>ReleaseValue</c>.</summary>
internal sealed unsafe class OrtValueSafeHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public OrtValueSafeHandle(nint handle)
        : base(ownsHandle: true) => SetHandle(handle);

    protected override bool ReleaseHandle()
    {
        Ort.Api->ReleaseValue(handle);
        return true;
    }
}

/// <summary>An <c>OrtRunOptions*</c>, released with <c>ReleaseRunOptions</c>.</summary>
internal sealed unsafe class OrtRunOptionsSafeHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public OrtRunOptionsSafeHandle(nint handle)
        : base(ownsHandle: true) => SetHandle(handle);

    protected override bool ReleaseHandle()
    {
        Ort.Api->ReleaseRunOptions(handle);
        return true;
    }
}
