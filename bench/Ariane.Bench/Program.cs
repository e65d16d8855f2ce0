using BenchmarkDotNet.Running;

namespace Ariane.Bench;

/// <summary>Entry point: runs the benchmarks picked on the command line (e.g. <c>--filter '*TextParse*' --job short</c>).</summary>
public static class Program
{
    /// <summary>
    /// Hands the arguments to BenchmarkDotNet's switcher; <c>queries [--rounds N] [--only 0,1]</c> instead times
    /// query.sh's queries in-process (see <see cref="QueryData.Run"/>); <c>chunk-sizes [--instances 2] [--hours 6]
    /// [--samples-per-chunk 120]</c> prints block chunk bytes per sample by kind of series (<see cref="ChunkData"/>);
    /// <c>block-bytes --from DIR [--to DIR]</c> rewrites a folder of blocks with the current writer and prints where
    /// the bytes go, before and after (<see cref="BlockRewrite"/>).
    /// </summary>
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "queries")
        {
            QueryData.Run(args);
            return;
        }
        if (args.Length > 0 && args[0] == "chunk-sizes")
        {
            ChunkData.PrintSizes(args);
            return;
        }
        if (args.Length > 0 && args[0] == "block-bytes")
        {
            BlockRewrite.Run(args);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
