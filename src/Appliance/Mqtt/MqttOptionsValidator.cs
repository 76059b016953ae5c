using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace VoiceAppliance.Mqtt;

/// <summary>Validates <see cref="MqttOptions"/> for <c>ValidateOnStart</c> (AOT-safe: no data annotations).</summary>
public sealed class MqttOptionsValidator : IValidateOptions<MqttOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, MqttOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Skip;
        }

        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
