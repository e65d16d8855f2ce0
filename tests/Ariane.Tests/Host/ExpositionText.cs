using System.Buffers;
using System.Globalization;
using System.Text;
using Ariane.Host;

namespace Ariane.Tests.Host;

/// <summary>
/// A tiny, test-only reader of the text exposition format: enough to compare families, types, label names and
/// values; the real parser lives in the engine.
/// </summary>
public sealed class ExpositionText
{
    /// <summary>Family name to TYPE (untyped when no TYPE line).</summary>
    public Dictionary<string, string> Types { get; } = new(StringComparer.Ordinal);

    /// <summary>Family name to HELP text.</summary>
    public Dictionary<string, string> Helps { get; } = new(StringComparer.Ordinal);

    /// <summary>Every sample in order: metric name, labels (name to value) and value.</summary>
    public List<(string Name, SortedDictionary<string, string> Labels, double Value)> Samples { get; } = [];

    public static ExpositionText Parse(string text)
    {
        var result = new ExpositionText();
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                string[] parts = line.Split(' ');
                result.Types[parts[2]] = parts[3];
                continue;
            }
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                int sp = line.IndexOf(' ', 7);
                result.Helps[line[7..sp]] = line[(sp + 1)..];
                continue;
            }
            if (line[0] == '#')
            {
                continue;
            }
            var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
            int i = 0;
            while (i < line.Length && line[i] != '{' && line[i] != ' ')
            {
                i++;
            }
            string name = line[..i];
            if (i < line.Length && line[i] == '{')
            {
                i++;
                while (line[i] != '}')
                {
                    int eq = line.IndexOf('=', i);
                    string labelName = line[i..eq];
                    i = eq + 2;
                    var value = new StringBuilder();
                    while (line[i] != '"')
                    {
                        if (line[i] == '\\')
                        {
                            i++;
                            value.Append(line[i] == 'n' ? '\n' : line[i]);
                        }
                        else
                        {
                            value.Append(line[i]);
                        }
                        i++;
                    }
                    labels[labelName] = value.ToString();
                    i++;
                    if (line[i] == ',')
                    {
                        i++;
                    }
                }
                i++;
            }
            string[] rest = line[i..].Trim().Split(' ');
            double v = rest[0] switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(rest[0], NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            result.Samples.Add((name, labels, v));
        }
        return result;
    }

    /// <summary>The value of the one sample with this name and these labels ("a=1,b=2"), or throws.</summary>
    public double Value(string name, string labels = "")
    {
        var matches = Samples.Where(s => s.Name == name && Format(s.Labels) == labels).ToList();
        Assert.True(matches.Count == 1, $"expected one sample {name}{{{labels}}}, found {matches.Count}; have: " +
            string.Join(", ", Samples.Where(s => s.Name == name).Select(s => "{" + Format(s.Labels) + "}")));
        return matches[0].Value;
    }

    public bool Has(string name) => Samples.Any(s => s.Name == name);

    public static string Format(SortedDictionary<string, string> labels) => string.Join(",", labels.Select(kv => kv.Key + "=" + kv.Value));

    public static string Collect(HostCollector collector)
    {
        var buffer = new ArrayBufferWriter<byte>();
        collector.WriteTo(buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
