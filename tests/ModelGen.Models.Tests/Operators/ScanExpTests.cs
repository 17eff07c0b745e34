using System.Runtime.Intrinsics;
using ModelGen.Models.Operators;

namespace ModelGen.Models.Tests.Operators;

public sealed class ScanExpTests
{
    [Fact]
    public void MatchesMathExp_AcrossItsWholeRange()
    {
        const double lowest = -708, highest = 709;
        const int samples = 400_000;
        var worst = 0.0;
        var worstAt = 0.0;
        for (var i = 0; i < samples; i += 4)
        {
            var x = Vector256.Create(
                lowest + (highest - lowest) * i / samples,
                lowest + (highest - lowest) * (i + 1) / samples,
                lowest + (highest - lowest) * (i + 2) / samples,
                // Odd points between the grid's, so that arguments near multiples of ln 2 / 2 are hit too.
                lowest + (highest - lowest) * (i + 3.37) / samples);
            var y = ScanExp.Exp(x);
            for (var lane = 0; lane < 4; lane++)
            {
                var expected = Math.Exp(x.GetElement(lane));
                var error = Math.Abs(y.GetElement(lane) - expected) / expected;
                if (error > worst)
                    (worst, worstAt) = (error, x.GetElement(lane));
            }
        }

        Assert.True(worst < 5e-16, $"largest relative error {worst:E2} at x = {worstAt}");
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(1.0, Math.E)]
    [InlineData(-708.0, 3.307553003638408e-308)]
    public void ExactPoints(double x, double expected)
    {
        var y = ScanExp.Exp(Vector256.Create(x)).GetElement(0);
        Assert.Equal(expected, y, expected * 4e-16);
    }
}
