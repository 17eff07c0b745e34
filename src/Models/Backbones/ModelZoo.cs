using System.Collections.Concurrent;
using ModelGen.Shared;

namespace ModelGen.Models.Backbones;

/// <summary>
/// The one registry of backbone variants, filled by the generated classes themselves (each
/// generated file registers its class from a module initializer), so config-driven code can
/// build a variant from its name.
/// </summary>
public static class ModelZoo
{
    private static readonly ConcurrentDictionary<string, ModelRegistration> Registrations = new(StringComparer.Ordinal);

    /// <summary>Every registered variant, ordered by name.</summary>
    public static IReadOnlyList<ModelRegistration> All =>
        Registrations.Values.OrderBy(r => r.Name, StringComparer.Ordinal).ToArray();

    public static void Register(ModelRegistration registration)
    {
        if (!Registrations.TryAdd(registration.Name, registration) && Registrations[registration.Name].Factory != registration.Factory)
            throw new InvalidOperationException($"Two backbones are registered as '{registration.Name}'.");
    }

    public static bool Contains(string name) => Registrations.ContainsKey(name);

    public static ModelRegistration Describe(string name) =>
        Registrations.TryGetValue(name, out var registration) ? registration : throw Unknown(name);

    /// <summary>Builds the variant with the given class name, e.g. <c>Create("SamVitB")</c>.</summary>
    public static IBackbone Create(string name) => Describe(name).Factory();

    private static KeyNotFoundException Unknown(string name)
    {
        var known = Registrations.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
        var suggestion = known.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase))
                         ?? known.OrderBy(k => EditDistance.Between(k.ToLowerInvariant(), name.ToLowerInvariant())).FirstOrDefault(k => EditDistance.Between(k.ToLowerInvariant(), name.ToLowerInvariant()) <= 3);
        var hint = suggestion is null ? "" : $" Did you mean '{suggestion}'?";
        return new KeyNotFoundException($"No backbone named '{name}' is registered.{hint} Known: {string.Join(", ", known)}.");
    }
}
