using ModelGen.Models.Runtime;
using ModelGen.Models.Tests.Testing;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Runtime;

[Collection(LinearKernelCollection.Name)]
public sealed class LinearKernelsTests
{
    [Theory]
    [InlineData(new long[] { 300, 24 }, true)]
    [InlineData(new long[] { 2, 150, 24 }, false)]
    [InlineData(new long[] { 2, 16, 20, 24 }, true)]
    public void The_oneDNN_product_is_LibTorchs_linear(long[] shape, bool withBias)
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var x = randn(shape).requires_grad_();
        var weight = randn(40, 24).requires_grad_();
        var bias = withBias ? randn(40).requires_grad_() : null;
        var weights = randn([.. shape[..^1], 40]);

        var y = LinearKernels.OneDnnLinear(x, weight, bias);
        (y * weights).sum().backward();
        var (gradX, gradWeight, gradBias) = (x.grad!.clone(), weight.grad!.clone(), bias?.grad!.clone());
        foreach (var t in new[] { x, weight, bias })
            t?.grad!.zero_();
        var expected = nn.functional.linear(x, weight, bias);
        (expected * weights).sum().backward();

        Assert.Equal(expected.shape, y.shape);
        Assert.True(y.is_contiguous());
        Assert.True(y.allclose(expected, rtol: 1e-5, atol: 1e-5));
        Assert.True(gradX.allclose(x.grad!, rtol: 1e-5, atol: 1e-5));
        Assert.True(gradWeight.allclose(weight.grad!, rtol: 1e-5, atol: 1e-4));
        if (bias is not null)
            Assert.True(gradBias!.allclose(bias.grad!, rtol: 1e-5, atol: 1e-4));
    }

    [Fact]
    public void The_requested_kernel_runs_large_float32_products()
    {
        using var scope = NewDisposeScope();
        manual_seed(12);
        // A deep sum, which the two split into blocks differently, so that the comparisons below tell them apart: on
        // the Sapphire Rapids VMs, products of 384 inputs came out bit-identical, products of 512 or more did not.
        var x = randn(2, LinearKernels.MinimumRows / 2, 1536);
        var weight = randn(96, 1536);
        var bias = randn(96);
        Assert.False(LinearKernels.OneDnnLinear(x, weight, bias).allclose(nn.functional.linear(x, weight, bias), rtol: 0, atol: 0));
        var previous = LinearKernels.Requested;
        try
        {
            LinearKernels.Requested = LinearKernel.OneDnn;
            Assert.Equal(LinearKernel.OneDnn, LinearKernels.Effective);
            Assert.True(LinearKernels.Linear(x, weight, bias).allclose(LinearKernels.OneDnnLinear(x, weight, bias), rtol: 0, atol: 0));
            LinearKernels.Requested = LinearKernel.Blas;
            Assert.Equal(LinearKernel.Blas, LinearKernels.Effective);
            Assert.True(LinearKernels.Linear(x, weight, bias).allclose(nn.functional.linear(x, weight, bias), rtol: 0, atol: 0));
        }
        finally
        {
            LinearKernels.Requested = previous;
        }
    }

    public static TheoryData<string> OtherProducts => ["few rows", "float64", "strided rows", "no input features"];

    [Theory]
    [MemberData(nameof(OtherProducts))]
    public void Other_products_keep_LibTorchs_linear(string kind)
    {
        using var scope = NewDisposeScope();
        manual_seed(13);
        var x = kind switch
        {
            "few rows" => randn(LinearKernels.MinimumRows - 1, 64),
            "float64" => randn(LinearKernels.MinimumRows, 64, ScalarType.Float64),
            "no input features" => randn([LinearKernels.MinimumRows, 0]),
            _ => randn(64, 2 * LinearKernels.MinimumRows).t(),
        };
        var weight = randn(96, x.shape[1], x.dtype);
        var previous = LinearKernels.Requested;
        try
        {
            LinearKernels.Requested = LinearKernel.OneDnn;
            Assert.True(LinearKernels.Linear(x, weight, null).allclose(nn.functional.linear(x, weight), rtol: 0, atol: 0));
        }
        finally
        {
            LinearKernels.Requested = previous;
        }
    }

    [Fact]
    public void Auto_takes_the_calibrations_choice()
    {
        var calibration = LinearKernels.Calibration;

        Assert.True(calibration.BlasSeconds > 0 && calibration.OneDnnSeconds > 0);
        var previous = LinearKernels.Requested;
        try
        {
            LinearKernels.Requested = LinearKernel.Auto;
            Assert.Equal(calibration.Choice, LinearKernels.Effective);
        }
        finally
        {
            LinearKernels.Requested = previous;
        }
    }

    /// <summary>Of the fixtures, only SAM's has products of at least <see cref="LinearKernels.MinimumRows"/> rows.</summary>
    [Theory]
    [InlineData(LinearKernel.Blas)]
    [InlineData(LinearKernel.OneDnn)]
    public void Either_kernel_reproduces_the_upstream_outputs(LinearKernel kernel)
    {
        var previous = LinearKernels.Requested;
        try
        {
            LinearKernels.Requested = kernel;
            using var @case = FixtureCase.Load("sam/sam_tiny_w14");
            using var model = @case.CreateBackbone("SamTinyW14");
            using var input = @case.Read("input");
            using var _ = no_grad();
            using var outputs = model.Forward(input);

            @case.AssertOutputsMatch(outputs, input);
        }
        finally
        {
            LinearKernels.Requested = previous;
        }
    }

    [Theory]
    [InlineData(1.0, 0.95, false)]
    [InlineData(1.0, 0.90, true)]
    [InlineData(1.0, 0.70, true)]
    [InlineData(1.0, 1.20, false)]
    public void OneDnn_must_be_ten_percent_faster(double blas, double oneDnn, bool faster) =>
        Assert.Equal(faster, LinearKernels.OneDnnFaster(blas, oneDnn));
}
