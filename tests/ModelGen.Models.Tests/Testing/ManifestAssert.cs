using System.Text.Json;
using ModelGen.Models.Backbones;
using TorchSharp;
using static TorchSharp.torch;
using Xunit.Sdk;

namespace ModelGen.Models.Tests.Testing;

/// <summary>Compares a module's state dict with a weight manifest of a real upstream variant (tests/fixtures/*/*.keys.json).</summary>
internal static class ManifestAssert
{
    /// <summary>Builds the module on the meta device (<see cref="MetaBuild"/>) and compares it with the manifest.</summary>
    public static void Matches(string manifestRelativePath, Func<nn.Module> build) =>
        MetaBuild.Inspect(build, module => Matches(manifestRelativePath, module));

    public static void Matches(string manifestRelativePath, nn.Module module)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(FixtureCase.PathOf(manifestRelativePath)));
        var root = manifest.RootElement;
        var expected = root.GetProperty("keys").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(d => d.GetInt64()).ToArray());

        var actual = module.state_dict();
        var missing = expected.Keys.Where(k => !actual.ContainsKey(k)).ToList();
        var unexpected = actual.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        var misshaped = expected.Keys.Where(actual.ContainsKey)
            .Where(k => !actual[k].shape.SequenceEqual(expected[k]))
            .Select(k => $"{k}: [{string.Join(", ", actual[k].shape)}], expected [{string.Join(", ", expected[k])}]")
            .ToList();
        if (missing.Count + unexpected.Count + misshaped.Count > 0)
            throw new XunitException(
                $"{manifestRelativePath}: missing {missing.Count} [{string.Join(", ", missing.Take(10))}], " +
                $"unexpected {unexpected.Count} [{string.Join(", ", unexpected.Take(10))}], " +
                $"wrong shape {misshaped.Count} [{string.Join("; ", misshaped.Take(10))}]");

        Assert.Equal(root.GetProperty("num_keys").GetInt32(), actual.Count);
        Assert.Equal(root.GetProperty("param_count").GetInt64(), module.parameters().Sum(p => p.numel()));
        Assert.Equal(root.GetProperty("state_dict_element_count").GetInt64(), actual.Values.Sum(t => t.numel()));
        if (root.TryGetProperty("non_float_keys", out var nonFloat) && nonFloat.ValueKind == JsonValueKind.Object)
            foreach (var key in nonFloat.EnumerateObject())
                Assert.Equal(key.Value.GetString() == "I64" ? torch.ScalarType.Int64 : torch.ScalarType.Int32, actual[key.Name].dtype);
        if (root.TryGetProperty("ovsam_name_to_upstream_name", out var ovsam) && module is BackboneModule backbone)
            MatchesOvsamNames(manifestRelativePath, ovsam, backbone);
    }

    /// <summary>The variant's "ovsam" alias scheme names every key as the manifest's OVSAM wrapper does, and drops the keys the wrapper lacks.</summary>
    private static void MatchesOvsamNames(string manifestRelativePath, JsonElement ovsamToUpstream, BackboneModule backbone)
    {
        var scheme = backbone.CheckpointLayout.Scheme("ovsam");
        var expected = ovsamToUpstream.EnumerateObject().ToDictionary(p => p.Value.GetString()!, p => p.Name);
        var wrong = backbone.state_dict().Keys
            .Select(key => (Key: key, Alias: scheme.ToAlias(key), Expected: expected.GetValueOrDefault(key)))
            .Where(k => k.Alias != k.Expected)
            .Select(k => $"{k.Key} -> {k.Alias ?? "(none)"}, expected {k.Expected ?? "(none)"}")
            .ToList();
        if (wrong.Count > 0)
            throw new XunitException($"{manifestRelativePath}: the ovsam alias scheme names {wrong.Count} keys differently from OVSAM's wrapper: {string.Join("; ", wrong.Take(10))}");
        foreach (var (upstream, ovsamName) in expected)
            Assert.Equal(upstream, scheme.FromAlias(ovsamName));
    }
}
