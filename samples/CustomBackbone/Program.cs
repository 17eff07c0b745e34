using CustomBackbone;
using ModelGen.Models.Backbones;
using static TorchSharp.torch;

// SamVitSmall is generated from Specs/sam_vit_small.model.json when this project builds.
using var backbone = new SamVitSmall();
Console.WriteLine($"{backbone.Name}: {SamVitSmallConfig.Default.Depth} blocks of width {SamVitSmallConfig.Default.EmbedDim}, " +
                  $"{backbone.ParameterCount:N0} parameters, from {backbone.Config.SpecPath}");

// The feature metadata is static, so a neck can be sized before any model exists.
foreach (var feature in SamVitSmall.Features)
    Console.WriteLine($"  output {feature.Name}: {feature.Channels} channels at stride {feature.Reduction}");

// Config-driven code can build the same variant by name.
using var byName = ModelZoo.Create(nameof(SamVitSmall));

using var _ = no_grad();
using var images = randn(1, 3, 256, 256);
using var outputs = backbone.Forward(images);
Console.WriteLine($"256x256 input -> {string.Join(", ", outputs.Select(o => $"[{string.Join(", ", o.shape)}]"))}");
