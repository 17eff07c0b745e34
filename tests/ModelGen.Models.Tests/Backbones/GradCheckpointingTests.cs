using ModelGen.Models.Backbones;
using ModelGen.Models.Tests.OpenClip;
using ModelGen.Models.Tests.Sam;
using ModelGen.Models.Tests.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Backbones;

/// <summary>
/// Per-block activation checkpointing recomputes each block in the backward: the outputs, the gradients of
/// every parameter and of the input, and the BatchNorm statistics after a step are those of a plain step.
/// </summary>
public sealed class GradCheckpointingTests
{
    private const double Tolerance = 1e-12;

    [Theory]
    [InlineData("SamTinyW14", 64, 96)]
    [InlineData("ClipRnTiny", 96, 64)]
    [InlineData("ClipViTTiny", 56, 70)]
    [InlineData("VitaminTinyRwkvFixture", 64, 80)]
    [InlineData("VitaminMicroRwkvTrans", 48, 64)]
    [InlineData("VitaminMicroMbconvRwkv", 64, 48)]
    public void A_checkpointed_float64_step_gives_the_outputs_gradients_and_statistics_of_a_plain_one(string variant, int height, int width)
    {
        using var plain = Float64Twin(variant, source: null);
        using var checkpointed = Float64Twin(variant, source: plain);
        checkpointed.GradCheckpointing = true;
        using var images = randn(2, 3, height, width, dtype: ScalarType.Float64);

        var (plainOutputs, plainInputGrad) = Step(plain, images);
        var (outputs, inputGrad) = Step(checkpointed, images);

        for (var i = 0; i < outputs.Length; i++)
            TensorAssert.Close(plainOutputs[i], outputs[i], Tolerance, Tolerance, $"{variant} output {i}");
        TensorAssert.Close(plainInputGrad, inputGrad, Tolerance, Tolerance, $"{variant} input gradient");
        var expected = plain.Module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in checkpointed.Module.named_parameters())
        {
            // Parameters outside the forward (OpenCLIP's proj and attention pool) get none either way.
            Assert.True(expected[name].grad is null == parameter.grad is null, $"{variant} {name}: a gradient on one side only");
            if (parameter.grad is not null)
                TensorAssert.Close(expected[name].grad!, parameter.grad, Tolerance, Tolerance, $"{variant} {name} gradient");
        }
        Assert.Contains(checkpointed.Module.parameters(), p => p.grad is not null);
        var expectedBuffers = plain.Module.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        foreach (var (name, buffer) in checkpointed.Module.named_buffers())
            Assert.True(expectedBuffers[name].equal(buffer).all().item<bool>(), $"{variant} buffer {name} moved otherwise");
        foreach (var tensor in plainOutputs.Concat(outputs).Append(plainInputGrad).Append(inputGrad))
            tensor.Dispose();
    }

    [Fact]
    public void Blocks_whose_input_needs_no_gradient_still_train_their_parameters()
    {
        // Stem and layer1 frozen: layer2's first block gets an input that needs no gradient.
        using var plain = new ClipRnTiny(fixLayers: [0]);
        using var checkpointed = new ClipRnTiny(fixLayers: [0]);
        CopyState(plain, checkpointed);
        checkpointed.GradCheckpointing = true;
        using var images = randn(1, 3, 64, 64);

        foreach (var model in new[] { plain, checkpointed })
        {
            model.train();
            using var outputs = model.Forward(images);
            using var loss = outputs.Select(o => o.square().mean()).Aggregate((a, b) => a + b);
            loss.backward();
        }

        var expected = plain.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in checkpointed.named_parameters())
        {
            Assert.Equal(expected[name].grad is null, parameter.grad is null);
            if (parameter.grad is not null)
                TensorAssert.Close(expected[name].grad!, parameter.grad, 1e-6, 1e-5, $"{name} gradient");
        }
        Assert.NotNull(checkpointed.Layer2[0].Conv1.weight!.grad);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 2)]
    public void With_the_option_each_block_runs_again_in_the_backward(bool gradCheckpointing, int runsPerStep)
    {
        using var model = new SamTinyW14 { GradCheckpointing = gradCheckpointing };
        var runs = 0;
        model.Blocks[0].register_forward_pre_hook(_ => runs++);
        model.train();
        using var images = randn(1, 3, 64, 64);

        Backward(model, images);

        Assert.Equal(runsPerStep, runs);
    }

    [Theory]
    [InlineData("SamTinyW14", 64, 96)]
    [InlineData("VitaminMicroRwkvTrans", 48, 64)]
    public void Inference_with_the_option_on_is_unchanged(string variant, int height, int width)
    {
        using var model = ModelZoo.Create(variant);
        using var images = randn(1, 3, height, width);
        using var expected = model.Forward(images);

        model.GradCheckpointing = true;
        using var inEval = model.Forward(images);
        model.Module.train();
        using (no_grad())
        {
            using var withoutGrad = model.Forward(images);
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.True(expected[i].equal(inEval[i]).all().item<bool>(), $"{variant} output {i} in eval mode");
                Assert.True(expected[i].equal(withoutGrad[i]).all().item<bool>(), $"{variant} output {i} under no_grad");
                Assert.False(withoutGrad[i].requires_grad);
            }
        }
    }

    [Theory]
    [InlineData("SamTinyW14", 64, 96)]
    [InlineData("ClipRnTiny", 96, 64)]
    [InlineData("ClipViTTiny", 56, 70)]
    [InlineData("VitaminMicroRwkvTrans", 48, 64)]
    [InlineData("VitaminMicroMbconvRwkv", 64, 48)]
    public void A_checkpointed_training_step_leaves_no_live_tensors_but_the_gradients(string variant, int height, int width)
    {
        using var model = ModelZoo.Create(variant);
        model.GradCheckpointing = true;
        model.Module.train();
        using var images = randn(1, 3, height, width);
        Backward(model, images);

        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Backward(model, images);

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.All(model.Module.parameters().Where(p => p.requires_grad), p => Assert.NotNull(p.grad));
    }

    private static IBackbone Float64Twin(string variant, IBackbone? source)
    {
        var model = ModelZoo.Create(variant);
        model.Module.to(ScalarType.Float64);
        if (source is not null)
            CopyState(source.Module, model.Module);
        model.Module.train();
        return model;
    }

    private static void CopyState(nn.Module source, nn.Module target)
    {
        using var noGrad = no_grad();
        var tensors = source.state_dict();
        foreach (var (name, tensor) in target.state_dict())
            tensor.copy_(tensors[name]);
    }

    /// <summary>A step's outputs and input gradient (to dispose); the parameter gradients stay on the model.</summary>
    private static (Tensor[] Outputs, Tensor InputGrad) Step(IBackbone model, Tensor images)
    {
        using var input = images.detach().requires_grad_(true);
        using var outputs = model.Forward(input);
        using (var loss = Loss(outputs))
            loss.backward();
        return (outputs.Select(o => o.detach().clone()).ToArray(), input.grad!.clone());
    }

    private static void Backward(IBackbone model, Tensor images)
    {
        model.Module.zero_grad();
        using var scope = NewDisposeScope();
        Loss(model.Forward(images)).backward();
    }

    // Weights each output's elements differently, so that no gradient is a plain multiple of its output.
    private static Tensor Loss(BackboneOutput outputs)
    {
        using var scope = NewDisposeScope();
        var terms = outputs.Select((o, i) => (o.square() * (i + 1) + o * arange(o.numel(), dtype: o.dtype).reshape(o.shape).cos()).mean());
        return terms.Aggregate((a, b) => a + b).MoveToOuterDisposeScope();
    }
}
