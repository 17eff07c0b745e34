using System.Text.RegularExpressions;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Tests.Testing;

namespace ModelGen.Generators.Tests;

/// <summary>
/// Keeps the descriptors, docs/diagnostics.md, the gallery and the analyzer release file in step:
/// a new id needs a documented section, a gallery case and a release entry.
/// </summary>
public sealed partial class DiagnosticCatalogTests
{
    private static readonly string Catalog = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "diagnostics.md"));

    private static IEnumerable<string> Ids => DiagnosticDescriptors.All.Select(d => d.Id);

    [Fact]
    public void Every_descriptor_has_a_section_with_the_anchor_of_its_help_link()
    {
        Assert.All(DiagnosticDescriptors.All, d =>
        {
            var anchor = $"<a id=\"{d.Id.ToLowerInvariant()}\"></a>\n## {d.Id} — {d.Title}\n";
            Assert.Contains(anchor, Catalog.Replace("\r\n", "\n"));
            Assert.Contains($"**Severity:** {d.DefaultSeverity.ToString().ToLowerInvariant()}", Section(d.Id));
        });
    }

    [Fact]
    public void The_catalog_names_no_id_that_does_not_exist()
    {
        var named = MgId().Matches(Catalog).Select(m => m.Value).ToHashSet();
        Assert.Empty(named.Except(Ids));
    }

    [Fact]
    public void Every_help_link_points_at_the_catalog_section_of_its_id()
    {
        Assert.All(DiagnosticDescriptors.All, d =>
            Assert.EndsWith($"docs/diagnostics.md#{d.Id.ToLowerInvariant()}", d.HelpLinkUri));
    }

    [Fact]
    public void Every_id_but_the_internal_error_is_shown_by_a_gallery_case()
    {
        var snapshots = Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "tests", "ModelGen.Generators.Tests", "Snapshots"), "Gallery.*.verified.txt")
            .Select(File.ReadAllText)
            .ToList();
        var shown = snapshots.SelectMany(s => GalleryId().Matches(s).Select(m => m.Groups[1].Value)).ToHashSet();

        Assert.Empty(Ids.Where(id => id != DiagnosticDescriptors.InternalError.Id).Except(shown));
        Assert.DoesNotContain(DiagnosticDescriptors.InternalError.Id, shown);
    }

    [Fact]
    public void The_unshipped_release_lists_exactly_the_descriptors_with_their_severities()
    {
        var release = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "src", "Generators", "AnalyzerReleases.Unshipped.md"))
            .Select(line => line.Split('|', StringSplitOptions.TrimEntries))
            .Where(cells => cells.Length >= 3 && MgId().IsMatch(cells[0]))
            .Select(cells => $"{cells[0]} {cells[2]}")
            .Order(StringComparer.Ordinal);
        var descriptors = DiagnosticDescriptors.All.Select(d => $"{d.Id} {d.DefaultSeverity}").Order(StringComparer.Ordinal);

        Assert.Equal(descriptors, release);
    }

    /// <summary>The text from an id's heading to the next heading.</summary>
    private static string Section(string id)
    {
        var start = Catalog.IndexOf($"## {id} ", StringComparison.Ordinal);
        var end = Catalog.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return end < 0 ? Catalog[start..] : Catalog[start..end];
    }

    [GeneratedRegex(@"\bMG\d{4}\b")]
    private static partial Regex MgId();

    [GeneratedRegex(@": (?:error|warning|info) (MG\d{4}):")]
    private static partial Regex GalleryId();
}
