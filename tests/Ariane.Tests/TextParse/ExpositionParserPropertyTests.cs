using System.Text;
using Ariane.TextParse;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Ariane.Tests.TextParse;

/// <summary>Random and mutated input never makes a parser throw anything but <see cref="ExpositionParseException"/>.</summary>
public class ExpositionParserPropertyTests
{
    private static readonly byte[][] Seeds =
    [
        .. Directory.GetFiles(Path.Combine(Support.TestPaths.Conformance, "openmetrics", "om-parsers"), "metrics", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal).Select(File.ReadAllBytes),
        Encoding.UTF8.GetBytes("# HELP a x\n# TYPE a histogram\na_bucket{le=\"1\",x=\"\\\"\"} 1 5\na_bucket{le=\"+Inf\"} 2\na_sum 3\na_count 2\n{\"q.x\", b=\"c\",} NaN\n"),
    ];

    private static readonly byte[] Alphabet = Encoding.ASCII.GetBytes(" \t\n{}\",=#\\.+-_:aeEinNIfInf019leTYPEHELPUNIT\u007f").Concat(new byte[] { 0, 0xC3, 0xA9, 0xFF }).ToArray();

    /// <summary>Runs both parsers to the end; only the parse exception may escape.</summary>
    private static bool OnlyParseErrors(byte[] body)
    {
        foreach (ExpositionParser p in new ExpositionParser[] { new PromTextParser(), new OpenMetricsParser(), new OpenMetricsParser(specStrict: true), new OpenMetricsParser(scrapeLenient: true) })
        {
            try
            {
                OpenMetricsConformanceTests.ParseAll(p, body);
            }
            catch (ExpositionParseException)
            {
            }
        }
        return true;
    }

    [Property(MaxTest = 500)]
    public bool RandomBytes(byte[] body) => OnlyParseErrors(body);

    [Property(MaxTest = 2000)]
    public Property MutatedPayloads() => Prop.ForAll(
        Gen.Choose(0, Seeds.Length - 1).SelectMany(s => Gen.ArrayOf(Gen.Choose(0, 1 << 20)).Select(m => (Seed: s, Mutations: m))).ToArbitrary(),
        t =>
        {
            var body = new List<byte>(Seeds[t.Seed]);
            foreach (int r in t.Mutations.Take(8))
            {
                int pos = body.Count == 0 ? 0 : r % (body.Count + 1);
                byte b = Alphabet[(r >> 8) % Alphabet.Length];
                switch (r % 3)
                {
                    case 0:
                        body.Insert(pos, b);
                        break;
                    case 1 when pos < body.Count:
                        body[pos] = b;
                        break;
                    default:
                        if (pos < body.Count)
                        {
                            body.RemoveAt(pos);
                        }
                        break;
                }
            }
            return OnlyParseErrors(body.ToArray());
        });
}
