using ModelGen.Models.Backbones;
using ModelGen.Models.Sam;

namespace ModelGen.Models.Tests.Backbones;

public sealed class ModelZooTests
{
    [Fact]
    public void Built_in_and_project_variants_are_registered_by_class_name()
    {
        _ = new SamVitBConfig();
        Assert.True(ModelZoo.Contains("SamVitB"));
        Assert.True(ModelZoo.Contains("SamTinyW14"));
        var registration = ModelZoo.Describe("SamVitB");
        Assert.Equal("sam-vit", registration.Config.Family);
        Assert.Equal(SamVitB.Features, registration.FeatureInfo);
    }

    [Fact]
    public void Create_builds_the_named_variant()
    {
        using var backbone = ModelZoo.Create("SamTinyW3");
        Assert.IsType<Sam.SamTinyW3>(backbone);
        Assert.Equal(["layer1", "layer2", "layer3", "neck"], backbone.FeatureInfo.Select(f => f.Name));
    }

    [Fact]
    public void An_unknown_name_says_what_is_known_and_suggests_the_closest()
    {
        var error = Assert.Throws<KeyNotFoundException>(() => ModelZoo.Create("SamVitb"));
        Assert.Contains("Did you mean 'SamVitB'?", error.Message);
        Assert.Contains("SamVitH", error.Message);
    }
}

public sealed class ModelZooAmbiguityTests
{
    [Fact]
    public void Classes_of_the_same_name_from_two_namespaces_are_found_by_full_name()
    {
        ModelZoo.Register(new ModelRegistration(typeof(FirstAssembly.Twin), Sam.SamTinyW3Config.Default, Sam.SamTinyW3.Features, Sam.SamTinyW3.Pretrained, fix => new Sam.SamTinyW3(fix)));
        ModelZoo.Register(new ModelRegistration(typeof(SecondAssembly.Twin), Sam.SamTinyW14Config.Default, Sam.SamTinyW14.Features, Sam.SamTinyW14.Pretrained, fix => new Sam.SamTinyW14(fix)));

        var error = Assert.Throws<KeyNotFoundException>(() => ModelZoo.Describe("Twin"));
        Assert.Contains("names 2 backbones", error.Message);
        Assert.Same(Sam.SamTinyW14.Features, ModelZoo.Describe(typeof(SecondAssembly.Twin).FullName!).FeatureInfo);
    }

    [Fact]
    public void A_full_name_two_assemblies_define_is_refused_rather_than_resolved_by_load_order()
    {
        static Type Defined(string assembly) => System.Reflection.Emit.AssemblyBuilder
            .DefineDynamicAssembly(new System.Reflection.AssemblyName(assembly), System.Reflection.Emit.AssemblyBuilderAccess.Run)
            .DefineDynamicModule(assembly).DefineType("Conflicting.Triplet", System.Reflection.TypeAttributes.Public).CreateType();
        foreach (var type in new[] { Defined("UserProjectA"), Defined("UserProjectB") })
            ModelZoo.Register(new ModelRegistration(type, Sam.SamTinyW3Config.Default, Sam.SamTinyW3.Features, Sam.SamTinyW3.Pretrained, fix => new Sam.SamTinyW3(fix)));

        Assert.True(ModelZoo.Contains("Triplet"));
        foreach (var name in new[] { "Triplet", "Conflicting.Triplet" })
        {
            var error = Assert.Throws<KeyNotFoundException>(() => ModelZoo.Create(name));
            Assert.Equal("'Conflicting.Triplet' is defined by two assemblies, UserProjectA and UserProjectB; ModelZoo chooses neither. " +
                         "Rename one of the specs or give it another namespace, or load one of the assemblies only.", error.Message);
        }
    }
}
