using System.Reflection;
using TorchSharp;
using Xunit.Sdk;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Testing;

/// <summary>
/// Checks a module after <c>to(dtype or device)</c>, which replaces every registered parameter and
/// buffer with a new tensor: all of them are of the target dtype and device, and every tensor a
/// ModelGen module hands out through a property is one of its registered tensors, not a replaced one.
/// </summary>
internal static class MovedModuleAssert
{
    /// <returns>How many tensor properties were checked, so that a caller can tell the check was not vacuous.</returns>
    public static int HoldsOnly(nn.Module root, ScalarType dtype, DeviceType device)
    {
        foreach (var (name, parameter) in root.named_parameters())
            Expect(parameter, dtype, device, $"parameter {name}");
        foreach (var (name, buffer) in root.named_buffers())
            Expect(buffer, buffer.is_floating_point() ? dtype : buffer.dtype, device, $"buffer {name}");

        var checkedProperties = 0;
        foreach (var module in root.modules().Prepend(root))
        {
            foreach (var property in TensorProperties(module.GetType()))
            {
                if (property.GetValue(module) is not Tensor tensor)
                    continue;
                var what = $"{module.GetName()}.{property.Name}";
                if (tensor.IsInvalid)
                    throw new XunitException($"{what} is a disposed tensor.");
                IEnumerable<Tensor> registered = tensor is TorchSharp.Modules.Parameter ? module.parameters(recurse: false) : module.buffers(recurse: false);
                if (!registered.Any(t => ReferenceEquals(t, tensor)))
                    throw new XunitException($"{what} is not one of the module's registered tensors.");
                Expect(tensor, dtype, device, what);
                checkedProperties++;
            }
        }

        return checkedProperties;
    }

    /// <summary>ModelGen's own properties: TorchSharp's modules may return a new wrapper of a native tensor on each read.</summary>
    private static IEnumerable<PropertyInfo> TensorProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => typeof(Tensor).IsAssignableFrom(p.PropertyType)
                        && p.DeclaringType?.Namespace?.StartsWith("ModelGen.", StringComparison.Ordinal) == true);

    private static void Expect(Tensor tensor, ScalarType dtype, DeviceType device, string what)
    {
        if (tensor.dtype != dtype || tensor.device_type != device)
            throw new XunitException($"{what} is {tensor.dtype} on {tensor.device_type}, expected {dtype} on {device}.");
    }
}
