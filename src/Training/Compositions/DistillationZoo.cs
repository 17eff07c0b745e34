using System.Collections.Concurrent;

namespace ModelGen.Training.Compositions;

/// <summary>
/// The registry of distillation compositions, filled by the generated classes' module initializers, so the CLI and
/// config-driven code can build one by name. Found by class name, or by full name when two share a class name.
/// </summary>
public static class DistillationZoo
{
    private static readonly ConcurrentDictionary<string, DistillationRegistration> Registrations = new(StringComparer.Ordinal);

    /// <summary>Every registered composition, ordered by name.</summary>
    public static IReadOnlyList<DistillationRegistration> All =>
        Registrations.Values.OrderBy(r => r.Name, StringComparer.Ordinal).ThenBy(r => r.FullName, StringComparer.Ordinal).ToArray();

    public static void Register(DistillationRegistration registration) => Registrations.TryAdd(registration.FullName, registration);

    public static bool Contains(string name) => Matches(name).Count > 0;

    public static DistillationRegistration Describe(string name) => Matches(name) switch
    {
        [var only] => only,
        [] => throw new KeyNotFoundException(
            $"No distillation composition named '{name}' is registered. Known: {string.Join(", ", All.Select(r => r.Name))}."),
        var several => throw new KeyNotFoundException(
            $"'{name}' names {several.Count} compositions: {string.Join(", ", several.Select(r => r.FullName))}. Use the full name."),
    };

    /// <summary>Builds the composition named <paramref name="name"/>, with or without its teacher.</summary>
    public static DistillationComposition Create(string name, bool withTeacher = true) => Describe(name).Factory(withTeacher);

    private static List<DistillationRegistration> Matches(string name) => Registrations.TryGetValue(name, out var exact)
        ? [exact]
        : Registrations.Values.Where(r => r.Name == name).OrderBy(r => r.FullName, StringComparer.Ordinal).ToList();
}
