using BenchmarkDotNet.Running;

namespace ModelGen.Benchmarks;

public static class Program
{
    public static void Main(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "scaling":
                BackboneScaling.Run(args[1..]);
                break;
            case "vitamin-breakdown":
                VitaminBreakdown.Run(args[1..]);
                break;
            default:
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
                break;
        }
    }
}
