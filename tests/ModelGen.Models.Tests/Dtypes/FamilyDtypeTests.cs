using ModelGen.Models.Backbones;
using ModelGen.Models.Necks;
using ModelGen.Models.Tests.Testing;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Dtypes;

/// <summary>
/// Every family, and the distillation students' necks, computed in float64, bfloat16 and float16 on the CPU against the
/// same weights in float32: the module moved with <c>to(dtype)</c>, and one built with that default dtype and given
/// the float32 weights. Errors are relative Frobenius norms, ‖y − y32‖ / ‖y32‖, per output.
/// </summary>
/// <remarks>
/// Against float64 the error is float32's own rounding: measured at most 7.9e-7 (SAM 6.3e-7, OpenCLIP ViT 4.7e-7,
/// ResNet 2.4e-7, VITAMIN 5.5e-7 to 7.9e-7, the students with their necks 3.4e-7); 1e-5 leaves a margin of ten for
/// other CPUs' kernels and is still orders below the error of a wrong weight, constant or operator. Against bfloat16 (8-bit
/// mantissa, 2^-9 ≈ 2e-3 per rounding, compounded over the layers) measured at most 1.8e-2 (SAM 8.6e-3, OpenCLIP ViT
/// 6.2e-3, ResNet 4.8e-3, VITAMIN 1.3e-2 to 1.8e-2, the students with their necks 1.1e-2); 3e-2 keeps a margin of
/// 1.7 and is far below the error of order 1 of a broken layer. Against float16 (11-bit mantissa) measured at most
/// 2.5e-3 (SAM 1.1e-3, OpenCLIP ViT 7.4e-4, ResNet 6.0e-4, VITAMIN 1.6e-3 to 2.5e-3, the students 1.3e-3); 5e-3.
/// </remarks>
[Collection(DefaultDtypeCollection.Name)]
public sealed class FamilyDtypeTests(ITestOutputHelper output)
{
    private const double Float64Tolerance = 1e-5;

    private const double BFloat16Tolerance = 3e-2;

    private const double Float16Tolerance = 5e-3;

    public static TheoryData<string> Variants =>
    [
        "SamTinyW14",
        "ClipViTTiny",
        "ClipRnTiny",
        "VitaminMicroRwkvTrans",
        "VitaminTinyRwkvFixture",
        "VitaminMicroMbconvRwkv",
    ];

    public static TheoryData<string, string, ScalarType> NeckCases => new()
    {
        { "distill/rwkvsam_tiny", "RwkvSamTinyStudent", ScalarType.Float64 },
        { "distill/rwkvsam_tiny", "RwkvSamTinyStudent", ScalarType.BFloat16 },
        { "distill/sam2clip_tiny", "Sam2ClipTinyStudent", ScalarType.Float64 },
        { "distill/sam2clip_tiny", "Sam2ClipTinyStudent", ScalarType.BFloat16 },
        { "distill/rwkvsam_tiny", "RwkvSamTinyStudent", ScalarType.Float16 },
        { "distill/sam2clip_tiny", "Sam2ClipTinyStudent", ScalarType.Float16 },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Moved_to_float64_the_backbone_computes_what_float32_does(string variant) =>
        CheckMoved(variant, ScalarType.Float64, Float64Tolerance);

    [Theory]
    [MemberData(nameof(Variants))]
    public void Moved_to_bfloat16_the_backbone_computes_what_float32_does(string variant) =>
        CheckMoved(variant, ScalarType.BFloat16, BFloat16Tolerance);

    [Theory]
    [MemberData(nameof(Variants))]
    public void Moved_to_float16_the_backbone_computes_what_float32_does(string variant) =>
        CheckMoved(variant, ScalarType.Float16, Float16Tolerance);

    public static TheoryData<string, ScalarType> BuiltCases()
    {
        var cases = new TheoryData<string, ScalarType>();
        foreach (var variant in Variants)
        {
            cases.Add(variant, ScalarType.Float64);
            cases.Add(variant, ScalarType.BFloat16);
            cases.Add(variant, ScalarType.Float16);
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(BuiltCases))]
    public void Built_in_another_dtype_with_the_float32_weights_the_backbone_computes_what_float32_does(
        string variant, ScalarType dtype)
    {
        using var reference = Create(variant);
        using var built = DefaultDtype.Build(dtype, () => ModelZoo.Create(variant));
        using (no_grad())
            built.Module.load_state_dict(reference.Module.state_dict());

        Assert.NotEqual(0, MovedModuleAssert.HoldsOnly(built.Module, dtype, DeviceType.CPU));
        CompareForwards(variant, reference, built, dtype, Tolerance(dtype));
    }

    [Theory]
    [MemberData(nameof(NeckCases))]
    public void Moved_to_another_dtype_the_student_and_its_neck_compute_what_float32_does(
        string fixture, string student, ScalarType dtype)
    {
        using var @case = DistillCase.Load(fixture);
        using var backbone = ModelZoo.Create(student);
        @case.LoadInitialWeights(backbone.Module, "backbone_student");
        using var neck = @case.CreateNeck("neck_student");
        @case.LoadInitialWeights(neck, "neck_student");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var input = @case.Batch(0);
        var expected = neck.Forward(backbone.Forward(input));

        backbone.Module.to(dtype);
        neck.to(dtype);
        var actual = neck.Forward(backbone.Forward(input.to(dtype)));

        Assert.Equal(dtype, actual.dtype);
        AssertRelativeError(expected, actual, Tolerance(dtype), $"{student} + {neck.GetType().Name} in {dtype}");
    }

    private static double Tolerance(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 => Float64Tolerance,
        ScalarType.Float16 => Float16Tolerance,
        _ => BFloat16Tolerance,
    };

    private void CheckMoved(string variant, ScalarType dtype, double tolerance)
    {
        using var reference = Create(variant);
        using var moved = Create(variant);
        moved.Module.to(dtype);

        CompareForwards(variant, reference, moved, dtype, tolerance);
    }

    /// <summary>A fresh module of the variant, its random weights drawn from one seed so that every test sees the same.</summary>
    private static IBackbone Create(string variant)
    {
        manual_seed(20261201);
        return ModelZoo.Create(variant);
    }

    private void CompareForwards(string variant, IBackbone reference, IBackbone other, ScalarType dtype, double tolerance)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var sizes = reference.InputSizes;
        var input = randn([2, 3, sizes.NativeHeight, sizes.NativeWidth], generator: new Generator(7));
        var expected = reference.Forward(input);
        var actual = other.Forward(input.to(dtype));

        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(dtype, actual[i].dtype);
            AssertRelativeError(expected[i], actual[i], tolerance, $"{variant} output {i} in {dtype}");
        }
    }

    private void AssertRelativeError(Tensor expected, Tensor actual, double tolerance, string what)
    {
        using var scope = NewDisposeScope();
        var e = expected.to_type(ScalarType.Float64);
        var a = actual.to_type(ScalarType.Float64);
        var error = ((a - e).norm() / e.norm()).item<double>();
        output.WriteLine($"{what}: relative error {error:G3}");
        Assert.True(a.isfinite().all().item<bool>(), $"{what} has non-finite values");
        Assert.True(error <= tolerance, $"{what}: relative error {error:G3} exceeds {tolerance:G3}");
    }
}
