using BenchmarkDotNet.Running;

namespace Ariane.Bench;

/// <summary>Entry point: runs the benchmarks picked on the command line (e.g. <c>--filter '*TextParse*' --job short</c>).</summary>
public static class Program
{
    /// <summary>Hands the arguments to BenchmarkDotNet's switcher.</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
