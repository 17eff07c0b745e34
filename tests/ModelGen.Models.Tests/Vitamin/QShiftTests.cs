using ModelGen.Models.Layers.Vitamin;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Vitamin;

public sealed class QShiftTests
{
    [Theory]
    [InlineData(3, 4, 10)] // quarters of 2, 3, 2, 3 channels (int(10 x 0.25 x i)) and none left over
    [InlineData(4, 3, 9)]
    [InlineData(1, 1, 6)] // every shift leaves the map: the four quarters are zeros
    [InlineData(2, 5, 3)] // a quarter of no channels
    public void Each_quarter_moves_one_position_and_zeros_enter_at_the_border(int height, int width, int channels)
    {
        using var scope = NewDisposeScope();
        var x = arange(2 * height * width * channels, ScalarType.Float32).view(2, height, width, channels) + 1;

        var shifted = QShift.Apply(x);

        var values = x.data<float>().ToArray();
        var result = new float[values.Length];
        long Index(long b, long h, long w, long c) => ((b * height + h) * width + w) * channels + c;
        for (long b = 0; b < 2; b++)
        for (long h = 0; h < height; h++)
        for (long w = 0; w < width; w++)
        for (long c = 0; c < channels; c++)
        {
            var quarter = c < (long)(channels * 0.25) ? 0 : c < (long)(channels * 0.5) ? 1 : c < (long)(channels * 0.75) ? 2 : c < channels ? 3 : 4;
            var (sh, sw) = quarter switch { 0 => (h, w - 1), 1 => (h, w + 1), 2 => (h - 1, w), 3 => (h + 1, w), _ => (h, w) };
            result[Index(b, h, w, c)] = sh < 0 || sh >= height || sw < 0 || sw >= width ? 0 : values[Index(b, sh, sw, c)];
        }
        Assert.Equal(result, shifted.data<float>().ToArray());
    }

    [Fact]
    public void Its_gradient_moves_back()
    {
        using var scope = NewDisposeScope();
        var x = randn(1, 3, 4, 8, ScalarType.Float64).requires_grad_();
        var weights = randn(1, 3, 4, 8, ScalarType.Float64);

        (QShift.Apply(x) * weights).sum().backward();

        // The shift is linear: its gradient is its transpose, <Sx, w> = <x, S'w>, checked against a second input.
        var other = randn(1, 3, 4, 8, ScalarType.Float64);
        using var _ = no_grad();
        Assert.Equal((QShift.Apply(other) * weights).sum().item<double>(), (other * x.grad!).sum().item<double>(), 12);
    }
}
