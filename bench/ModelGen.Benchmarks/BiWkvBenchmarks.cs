using BenchmarkDotNet.Attributes;
using ModelGen.Models.Layers.Common;
using ModelGen.Models.Operators;
using ModelGen.Models.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks;

/// <summary>
/// Bi-WKV at a VITAMIN-like size (B=1, T=4096 tokens = 64x64, C=384), against one 384x384 linear layer on the same
/// tokens: the operator should cost well under such a layer. The kernel benchmarks call the operator's forward and
/// backward without autograd, to tell the kernels' cost from that of autograd and of LibTorch's ops around them. The
/// tensor-op benchmarks time the evaluation that other devices run, on the CPU. The baseline is LibTorch's own
/// <c>nn.Linear</c>; the model's <see cref="LinearLayer"/>, which runs through <see cref="LinearKernels"/> (oneDNN
/// where that is faster), is timed beside it.
/// </summary>
[MemoryDiagnoser]
public class BiWkvBenchmarks
{
    private const int Tokens = 4096;
    private const int Channels = 384;

    private Tensor _w = null!;
    private Tensor _u = null!;
    private Tensor _k = null!;
    private Tensor _v = null!;
    private Tensor _x = null!;
    private Tensor _sumGradient = null!;
    private nn.Module<Tensor, Tensor> _linear = null!;
    private LinearLayer _modelLinear = null!;

    [GlobalSetup]
    public void Setup()
    {
        var generator = new Generator(7);
        _w = (rand([Channels], generator: generator) * 8 - 4).div_(Tokens).requires_grad_(true);
        _u = (rand([Channels], generator: generator) * 8 - 4).div_(Tokens).requires_grad_(true);
        _k = randn([1, Tokens, Channels], generator: generator).requires_grad_(true);
        _v = randn([1, Tokens, Channels], generator: generator).requires_grad_(true);
        _x = randn([1, Tokens, Channels], generator: generator).requires_grad_(true);
        _linear = nn.Linear(Channels, Channels);
        _modelLinear = new LinearLayer(Channels, Channels);
        // The kernel calibration runs at the first large product; it is not what the benchmark times.
        _ = LinearKernels.Effective;
        // What sum().backward() hands the operator's backward: one value expanded over every element.
        _sumGradient = ones(1).expand(1, Tokens, Channels);
    }

    [Benchmark]
    public void BiWkvForward()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        BiWkv.Apply(_w, _u, _k, _v);
    }

    [Benchmark]
    public void BiWkvForwardBackward()
    {
        using var scope = NewDisposeScope();
        BiWkv.Apply(_w, _u, _k, _v).sum().backward();
        ClearGradients(_w, _u, _k, _v);
    }

    /// <summary>The tensor-op evaluation that runs off the CPU, here on the CPU.</summary>
    [Benchmark]
    public void BiWkvTensorOpsForward()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        BiWkv.Apply(_w, _u, _k, _v, BiWkvMode.TensorOps);
    }

    [Benchmark]
    public void BiWkvTensorOpsForwardBackward()
    {
        using var scope = NewDisposeScope();
        BiWkv.Apply(_w, _u, _k, _v, BiWkvMode.TensorOps).sum().backward();
        ClearGradients(_w, _u, _k, _v);
    }

    [Benchmark]
    public void BiWkvKernelForward()
    {
        using var scope = NewDisposeScope();
        BiWkvCpu.Forward(_w, _u, _k, _v, BiWkvMode.Formula);
    }

    [Benchmark]
    public void BiWkvKernelBackward()
    {
        using var scope = NewDisposeScope();
        BiWkvCpu.Backward(_w, _u, _k, _v, _sumGradient);
    }

    [Benchmark(Baseline = true)]
    public void LinearForward()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _linear.call(_x);
    }

    [Benchmark]
    public void LinearForwardBackward()
    {
        using var scope = NewDisposeScope();
        _linear.call(_x).sum().backward();
        ClearGradients([_x, .. _linear.parameters()]);
    }

    [Benchmark]
    public void ModelLinearForward()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _modelLinear.call(_x);
    }

    [Benchmark]
    public void ModelLinearForwardBackward()
    {
        using var scope = NewDisposeScope();
        _modelLinear.call(_x).sum().backward();
        ClearGradients([_x, .. _modelLinear.parameters()]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _w, _u, _k, _v, _x, _sumGradient })
            t.Dispose();
        _linear.Dispose();
        _modelLinear.Dispose();
    }

    private static void ClearGradients(params Tensor[] tensors)
    {
        foreach (var t in tensors)
            t.grad?.zero_();
    }
}
