using System.Text.Json;
using ModelGen.Generators.Families;
using ModelGen.Generators.Families.Distillation;
using ModelGen.Generators.Schema;
using ModelGen.Generators.Tests.Testing;

namespace ModelGen.Generators.Tests;

public sealed class SpecSchemaTests
{
    private static readonly string SchemaPath = Path.Combine(RepositoryPaths.Specs, "model.schema.json");

    [Fact]
    public void The_committed_schema_is_the_one_the_generators_fields_produce()
    {
        var expected = SpecSchemaWriter.Write(ModelFamilies.All);
        if (Environment.GetEnvironmentVariable("MODELGEN_ACCEPT_SNAPSHOTS") == "1")
            File.WriteAllText(SchemaPath, expected);

        Assert.True(File.Exists(SchemaPath), $"{SchemaPath} is missing.");
        Assert.True(expected == File.ReadAllText(SchemaPath).Replace("\r\n", "\n"),
            "specs/model.schema.json is out of date with the families' fields; run the tests with MODELGEN_ACCEPT_SNAPSHOTS=1 and commit it.");
    }

    [Fact]
    public void Every_family_field_is_described_in_the_schema_with_its_family()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(SchemaPath));
        var branches = schema.RootElement.GetProperty("allOf").EnumerateArray().ToList();
        foreach (var family in ModelFamilies.All)
        {
            var branch = branches.Single(b => b.GetProperty("if").GetProperty("properties").GetProperty("family").GetProperty("const").GetString() == family.Name);
            var properties = branch.GetProperty("then").GetProperty("properties");
            foreach (var field in family.Fields)
                Assert.True(properties.TryGetProperty(field.JsonName, out _), $"{family.Name}.{field.JsonName} is not in the schema");
            Assert.False(branch.GetProperty("then").GetProperty("additionalProperties").GetBoolean());
        }
    }

    [Fact]
    public void The_distillation_family_is_described_with_one_branch_per_neck_kind()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(SchemaPath));
        var branch = schema.RootElement.GetProperty("allOf").EnumerateArray()
            .Single(b => b.GetProperty("if").GetProperty("properties").GetProperty("family").GetProperty("const").GetString() == DistillationFamily.Name);
        var properties = branch.GetProperty("then").GetProperty("properties");
        foreach (var field in DistillationFamily.Fields)
            Assert.True(properties.TryGetProperty(field.JsonName, out _), $"distillation.{field.JsonName} is not in the schema");

        var kinds = properties.GetProperty("studentNeck").GetProperty("oneOf").EnumerateArray()
            .Select(k => k.GetProperty("properties").GetProperty("kind").GetProperty("const").GetString())
            .ToList();
        Assert.Equal([DistillationFamily.LastLayerNeck, DistillationFamily.LastLayerProjNeck, DistillationFamily.MultiLayerTransformerNeck], kinds);
        var projection = properties.GetProperty("studentNeck").GetProperty("oneOf")[1].GetProperty("properties");
        Assert.Equal("integer", projection.GetProperty("inChannels").GetProperty("type").GetString());
        Assert.False(projection.TryGetProperty("layerIds", out _));
        Assert.Contains("distillation", schema.RootElement.GetProperty("properties").GetProperty("family").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Every_built_in_spec_references_the_schema()
    {
        foreach (var path in Directory.EnumerateFiles(RepositoryPaths.Specs, "*.model.json", SearchOption.AllDirectories))
        {
            using var spec = JsonDocument.Parse(File.ReadAllText(path));
            Assert.True(spec.RootElement.TryGetProperty("$schema", out var schema), $"{path} has no $schema");
            var resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, schema.GetString()!));
            Assert.Equal(SchemaPath, resolved);
        }
    }
}
