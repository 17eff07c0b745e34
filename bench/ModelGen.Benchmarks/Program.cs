using BenchmarkDotNet.Running;

namespace ModelGen.Benchmarks;

public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "scaling")
            BackboneScaling.Run(args[1..]);
        else
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
