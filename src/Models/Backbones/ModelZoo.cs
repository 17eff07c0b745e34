using System.Collections.Concurrent;
using ModelGen.Models.Pretrained;
using ModelGen.Shared;

namespace ModelGen.Models.Backbones;

/// <summary>
/// The one registry of backbone variants, filled by the generated classes themselves (each
/// generated file registers its class from a module initializer), so config-driven code can
/// build a variant from its name. Variants are found by class name, or by namespace-qualified
/// name when two assemblies define classes of the same name. A name is never resolved by load order:
/// two classes of one name in two namespaces make the bare name ambiguous (the full name finds each), and
/// two of one full name from two assemblies make it unusable (neither is chosen) until one is renamed.
/// </summary>
public static class ModelZoo
{
    private static readonly ConcurrentDictionary<string, ModelRegistration> Registrations = new(StringComparer.Ordinal);

    /// <summary>Every registered variant, ordered by name.</summary>
    public static IReadOnlyList<ModelRegistration> All =>
        Registrations.Values.OrderBy(r => r.Name, StringComparer.Ordinal).ThenBy(r => r.FullName, StringComparer.Ordinal).ToArray();

    /// <summary>The full names that two assemblies define, with the assemblies.</summary>
    private static readonly ConcurrentDictionary<string, (Type First, Type Second)> Conflicts = new(StringComparer.Ordinal);

    public static void Register(ModelRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var kept = Registrations.GetOrAdd(registration.FullName, registration);
        if (kept.BackboneType != registration.BackboneType)
            Conflicts.TryAdd(registration.FullName, (kept.BackboneType, registration.BackboneType));
    }

    public static bool Contains(string name) => Matches(name).Count > 0;

    /// <summary>The registration of <paramref name="name"/>: a class name such as <c>SamVitB</c>, or a full name.</summary>
    public static ModelRegistration Describe(string name) => Matches(name) switch
    {
        [var only] when Conflicts.TryGetValue(only.FullName, out var twins) => throw new KeyNotFoundException(
            $"'{only.FullName}' is defined by two assemblies, {Origin(twins.First)} and {Origin(twins.Second)}; ModelZoo chooses neither. " +
            "Rename one of the specs or give it another namespace, or load one of the assemblies only."),
        [var only] => only,
        [] => throw Unknown(name),
        var several => throw new KeyNotFoundException(
            $"'{name}' names {several.Count} backbones: {string.Join(", ", several.Select(r => r.FullName))}. Use the full name."),
    };

    /// <summary>
    /// Builds the variant with the given name, e.g. <c>Create("SamVitB")</c>, frozen or not as
    /// <paramref name="fix"/> says (the spec's <c>fix</c> when null), and loads the weights published
    /// under <paramref name="pretrained"/> (e.g. <c>"sa1b"</c>) when given.
    /// </summary>
    public static IBackbone Create(string name, bool? fix = null, string? pretrained = null, WeightsDownloader? downloader = null, IProgress<DownloadProgress>? progress = null)
    {
        var registration = Describe(name);
        if (pretrained is not null && !registration.Pretrained.ContainsKey(pretrained))
            throw new KeyNotFoundException(registration.Pretrained.Count == 0
                ? $"{registration.Name} declares no pretrained weights."
                : $"{registration.Name} has no pretrained weights tagged '{pretrained}'; its tags are {string.Join(", ", registration.Pretrained.Keys.Select(k => $"'{k}'"))}.");
        var backbone = registration.Factory(fix);
        try
        {
            if (pretrained is not null)
                backbone.LoadPretrained(pretrained, downloader, progress);
            return backbone;
        }
        catch
        {
            backbone.Dispose();
            throw;
        }
    }

    private static List<ModelRegistration> Matches(string name) => Registrations.TryGetValue(name, out var exact)
        ? [exact]
        : Registrations.Values.Where(r => r.Name == name).OrderBy(r => r.FullName, StringComparer.Ordinal).ToList();

    private static string Origin(Type type) =>
        type.Assembly.IsDynamic || type.Assembly.Location.Length == 0 ? type.Assembly.GetName().Name ?? "?" : $"{type.Assembly.GetName().Name} ({type.Assembly.Location})";

    private static KeyNotFoundException Unknown(string name)
    {
        var known = Registrations.Values.Select(r => r.Name).Distinct().Order(StringComparer.Ordinal).ToArray();
        var suggestion = known.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase))
                         ?? known.Select(k => (Name: k, Distance: EditDistance.Between(k.ToLowerInvariant(), name.ToLowerInvariant())))
                             .Where(k => k.Distance <= 3)
                             .OrderBy(k => k.Distance)
                             .Select(k => k.Name)
                             .FirstOrDefault();
        var hint = suggestion is null ? "" : $" Did you mean '{suggestion}'?";
        return new KeyNotFoundException($"No backbone named '{name}' is registered.{hint} Known: {string.Join(", ", known)}.");
    }
}
