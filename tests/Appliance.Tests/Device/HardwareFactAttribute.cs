namespace VoiceAppliance.Tests.Device;

/// <summary>
/// A fact that needs real hardware named by an environment variable (for example a jumper between two
/// header pins). Without the variable the test is skipped with the reason, never passed. Such tests also
/// carry <c>[Trait("Category", "Hardware")]</c> so a Pi runs just them.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class HardwareFactAttribute : FactAttribute
{
    public HardwareFactAttribute(string variable, string what)
    {
        Variable = variable;
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)))
        {
            Skip = $"hardware test: needs {what}; set {variable} on a Raspberry Pi to run it";
        }
    }

    public string Variable { get; }
}
