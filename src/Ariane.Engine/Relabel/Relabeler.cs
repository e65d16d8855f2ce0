using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Ariane.Model;

namespace Ariane.Relabel;

/// <summary>Applies relabel configs to a label set with Prometheus's exact semantics (<c>model/relabel</c>).</summary>
public static class Relabeler
{
    /// <summary>Runs <paramref name="configs"/> in order; returns the new labels, or null when a step dropped them.</summary>
    public static Labels? Process(Labels input, IReadOnlyList<RelabelConfig> configs)
    {
        if (configs.Count == 0)
        {
            return input;
        }
        var lb = input.ToBuilder();
        return ProcessBuilder(lb, configs) ? lb.Build() : null;
    }

    /// <summary>Runs <paramref name="configs"/> on a builder in place; false when a step dropped the labels.</summary>
    public static bool ProcessBuilder(LabelsBuilder lb, IReadOnlyList<RelabelConfig> configs)
    {
        for (int i = 0; i < configs.Count; i++)
        {
            if (!Apply(configs[i], lb))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Runs <paramref name="configs"/> one step at a time and records, for every rule, the labels after it and whether
    /// the set is still kept. This is the relabelling debugger behind <c>/api/v1/targets/relabel_steps</c>, with
    /// Prometheus 3's answer: one entry per rule; from the rule that drops the set on, <c>Keep</c> is false and the
    /// output empty (the later rules are not run). Same semantics as <see cref="Process"/>.
    /// </summary>
    public static IReadOnlyList<RelabelStep> Steps(Labels input, IReadOnlyList<RelabelConfig> configs)
    {
        var steps = new List<RelabelStep>(configs.Count);
        var lb = input.ToBuilder();
        bool keep = true;
        foreach (var cfg in configs)
        {
            keep = keep && Apply(cfg, lb);
            steps.Add(new RelabelStep(cfg, keep ? lb.Build() : Labels.Empty, keep));
        }
        return steps;
    }

    private static bool Apply(RelabelConfig cfg, LabelsBuilder lb)
    {
        string val = JoinSources(cfg, lb);
        var re = cfg.CompiledRegex;
        switch (cfg.Action)
        {
            case RelabelAction.Drop:
                return re.MatchAll(val) is null;
            case RelabelAction.Keep:
                return re.MatchAll(val) is not null;
            case RelabelAction.DropEqual:
                return !string.Equals(lb.Get(cfg.TargetLabel), val, StringComparison.Ordinal);
            case RelabelAction.KeepEqual:
                return string.Equals(lb.Get(cfg.TargetLabel), val, StringComparison.Ordinal);
            case RelabelAction.Replace:
                Replace(cfg, lb, val);
                return true;
            // Prometheus sets the target name literally; one holding "$" references would be an invalid label, so skip it.
            case RelabelAction.Lowercase:
                if (Labels.IsValidLabelName(cfg.TargetLabel))
                {
                    lb.Set(cfg.TargetLabel, val.ToLowerInvariant());
                }
                return true;
            case RelabelAction.Uppercase:
                if (Labels.IsValidLabelName(cfg.TargetLabel))
                {
                    lb.Set(cfg.TargetLabel, val.ToUpperInvariant());
                }
                return true;
            case RelabelAction.HashMod:
                lb.Set(cfg.TargetLabel, HashMod(val, cfg.Modulus).ToString(CultureInfo.InvariantCulture));
                return true;
            case RelabelAction.LabelMap:
                foreach (var l in Snapshot(lb))
                {
                    if (re.MatchAll(l.Name) is { } m)
                    {
                        lb.Set(re.Expand(cfg.Replacement, m), l.Value);
                    }
                }
                return true;
            case RelabelAction.LabelDrop:
                foreach (var l in Snapshot(lb))
                {
                    if (re.MatchAll(l.Name) is not null)
                    {
                        lb.Del(l.Name);
                    }
                }
                return true;
            case RelabelAction.LabelKeep:
                foreach (var l in Snapshot(lb))
                {
                    if (re.MatchAll(l.Name) is null)
                    {
                        lb.Del(l.Name);
                    }
                }
                return true;
            default:
                throw new InvalidOperationException("unknown relabel action " + cfg.Action);
        }
    }

    private static void Replace(RelabelConfig cfg, LabelsBuilder lb, string val)
    {
        var re = cfg.CompiledRegex;
        // Prometheus's fast path: with the default regex and no references, the step simply sets the label
        // (so an empty source value still writes the literal replacement).
        if (val.Length == 0 && cfg.Regex == RelabelConfig.DefaultRegex &&
            !cfg.TargetLabel.Contains('$', StringComparison.Ordinal) &&
            !cfg.Replacement.Contains('$', StringComparison.Ordinal))
        {
            lb.Set(cfg.TargetLabel, cfg.Replacement);
            return;
        }
        if (re.MatchAll(val) is not { } m)
        {
            return;
        }
        string target = re.Expand(cfg.TargetLabel, m);
        if (!Labels.IsValidLabelName(target))
        {
            return;
        }
        string res = re.Expand(cfg.Replacement, m);
        if (res.Length == 0)
        {
            lb.Del(target);
            return;
        }
        lb.Set(target, res);
    }

    /// <summary>
    /// The hashmod value: MD5 of the UTF-8 bytes, the last 8 bytes of the digest read big-endian as an unsigned
    /// 64-bit integer, modulo <paramref name="modulus"/> (Prometheus keeps "the last 8 bytes" for compatibility).
    /// </summary>
    public static ulong HashMod(string value, ulong modulus)
    {
        Span<byte> hash = stackalloc byte[16];
#pragma warning disable CA5351 // Not security: sharding must agree with Prometheus, which uses MD5.
        MD5.HashData(Encoding.UTF8.GetBytes(value), hash);
#pragma warning restore CA5351
        return BinaryPrimitives.ReadUInt64BigEndian(hash[8..]) % modulus;
    }

    private static string JoinSources(RelabelConfig cfg, LabelsBuilder lb)
    {
        var src = cfg.SourceLabels;
        if (src.Count == 0)
        {
            return string.Empty;
        }
        if (src.Count == 1)
        {
            return lb.Get(src[0]);
        }
        var sb = new StringBuilder();
        for (int i = 0; i < src.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(cfg.Separator);
            }
            sb.Append(lb.Get(src[i]));
        }
        return sb.ToString();
    }

    private static Label[] Snapshot(LabelsBuilder lb)
    {
        var cur = lb.Current;
        var arr = new Label[cur.Count];
        for (int i = 0; i < arr.Length; i++)
        {
            arr[i] = cur[i];
        }
        return arr;
    }
}

/// <summary>One relabelling step as <see cref="Relabeler.Steps"/> ran it.</summary>
/// <param name="Rule">The step's configuration.</param>
/// <param name="Output">The labels after the step; empty once the set is dropped.</param>
/// <param name="Keep">False when this step or an earlier one dropped the label set.</param>
public readonly record struct RelabelStep(RelabelConfig Rule, Labels Output, bool Keep);
