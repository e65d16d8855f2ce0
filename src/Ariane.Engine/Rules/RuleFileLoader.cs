using Ariane.Config;
using Ariane.Model;
using Ariane.PromQL.Parser;
using YamlDotNet.RepresentationModel;

namespace Ariane.Rules;

/// <summary>The outcome of loading one rule file: the groups read, and every problem found in them.</summary>
public sealed class RuleFileResult
{
    /// <summary>The file, or null when its structure could not be read at all.</summary>
    public RuleFile? File { get; init; }

    /// <summary>Problems, each as <c>file:line:column: reason</c> (no position where none is known).</summary>
    public List<string> Errors { get; } = [];

    /// <summary>True when there are no errors.</summary>
    public bool Success => Errors.Count == 0;

    /// <summary>
    /// Rules defined more than once in the file (the same record or alert name with the same labels), which would
    /// write the same series twice: promtool's <c>duplicate-rules</c> lint. Each as (name, sorted labels).
    /// </summary>
    public List<(string Name, List<KeyValuePair<string, string>> Labels)> Duplicates()
    {
        var dups = new List<(string, List<KeyValuePair<string, string>>)>();
        if (File is null)
        {
            return dups;
        }
        var all = new List<(string Name, List<KeyValuePair<string, string>> Labels)>();
        foreach (var g in File.Groups)
        {
            foreach (var r in g.Rules)
            {
                var labels = new List<KeyValuePair<string, string>>(r.Labels);
                labels.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
                all.Add((r.Name, labels));
            }
        }
        // promtool's order: by name, then by labels (name, value, pair by pair; the shorter set first).
        static int Compare((string Name, List<KeyValuePair<string, string>> Labels) a, (string Name, List<KeyValuePair<string, string>> Labels) b)
        {
            int c = string.CompareOrdinal(a.Name, b.Name);
            for (int i = 0; c == 0 && i < Math.Min(a.Labels.Count, b.Labels.Count); i++)
            {
                c = string.CompareOrdinal(a.Labels[i].Key, b.Labels[i].Key);
                c = c != 0 ? c : string.CompareOrdinal(a.Labels[i].Value, b.Labels[i].Value);
            }
            return c != 0 ? c : a.Labels.Count.CompareTo(b.Labels.Count);
        }
        all.Sort(Compare);
        for (int i = 1; i < all.Count; i++)
        {
            // A rule defined three times is one duplicate, as promtool counts.
            if (Compare(all[i], all[i - 1]) == 0 && (dups.Count == 0 || Compare(all[i], dups[^1]) != 0))
            {
                dups.Add(all[i]);
            }
        }
        return dups;
    }

    /// <summary>
    /// The report of <c>promtool check rules</c> for <paramref name="name"/>: "Checking" and the success line go to
    /// standard output, the failure block to standard error (as promtool splits them). With <paramref name="lint"/>,
    /// duplicate rules are reported as promtool's lint error (which, like promtool, does not make the check fail).
    /// </summary>
    public (string Out, string Err) Report(string name, bool lint = true)
    {
        if (!Success)
        {
            return ($"Checking {name}\n\n", "  FAILED:\n" + string.Join("\n", Errors) + "\n");
        }
        if (lint && Duplicates() is { Count: > 0 } dups)
        {
            var sb = new System.Text.StringBuilder("  FAILED:\nlint error ");
            sb.Append(dups.Count).Append(" duplicate rule(s) found.\n");
            foreach (var (rule, labels) in dups)
            {
                sb.Append("Metric: ").Append(rule).Append("\nLabel(s):\n");
                foreach (var (k, v) in labels)
                {
                    sb.Append('\t').Append(k).Append(": ").Append(v).Append('\n');
                }
            }
            sb.Append("Might cause inconsistency while recording expressions\n");
            return ($"Checking {name}\n\n", sb.ToString());
        }
        return ($"Checking {name}\n  SUCCESS: {File?.RuleCount ?? 0} rules found\n\n", string.Empty);
    }
}

/// <summary>
/// Reads rule files strictly, as Prometheus's <c>rulefmt.ParseFile</c> (what <c>promtool check rules</c> and the rule
/// manager use): the YAML structure first (unknown fields, wrong types and bad durations stop the read, at their
/// position), then every group and rule is validated and all problems are listed, in Prometheus's words.
/// </summary>
public static class RuleFileLoader
{
    /// <summary>
    /// Reads and validates <paramref name="path"/>. Record, label and annotation names are checked as Prometheus 3
    /// does by default (any non-empty UTF-8 name), or with <paramref name="legacyNames"/> as Prometheus 2 and
    /// <c>metric_name_validation_scheme: legacy</c> do (<c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>, labels without the colon).
    /// </summary>
    public static RuleFileResult LoadFile(string path, bool legacyNames = false)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var failed = new RuleFileResult();
            failed.Errors.Add($"{path}: error reading file: {e.Message}");
            return failed;
        }
        return Load(text, path, legacyNames);
    }

    /// <summary>Reads and validates rule file text; <paramref name="fileName"/> names it in errors.</summary>
    public static RuleFileResult Load(string yaml, string fileName, bool legacyNames = false)
    {
        RuleFile file;
        try
        {
            file = Read(yaml, fileName);
        }
        catch (ConfigException e)
        {
            var failed = new RuleFileResult();
            failed.Errors.Add(e.Message);
            return failed;
        }
        var res = new RuleFileResult { File = file };
        Validate(file, res.Errors, legacyNames);
        return res;
    }

    private static FilePosition At(YamlNode n) => new((int)n.Start.Line, (int)n.Start.Column);

    // The structure: unknown fields and type mismatches are errors, as yaml.UnmarshalStrict makes them in Prometheus.
    private static RuleFile Read(string yaml, string fileName)
    {
        var r = new YamlReader(fileName, null);
        var file = new RuleFile { Path = fileName };
        if (r.ParseDocument(yaml) is not { } root || YamlReader.IsNull(root))
        {
            return file;
        }
        foreach (var (k, v) in r.Fields(root, "rulefmt.RuleGroups"))
        {
            if (k.Value != "groups")
            {
                r.Unknown(k, "rulefmt.RuleGroups");
            }
            foreach (var gn in r.Seq(v, "[]rulefmt.RuleGroup"))
            {
                file.Groups.Add(Group(r, gn));
            }
        }
        return file;
    }

    private static RuleGroup Group(YamlReader r, YamlNode node)
    {
        var g = new RuleGroup { Position = At(node) };
        foreach (var (k, v) in r.Fields(node, "rulefmt.RuleGroup"))
        {
            switch (k.Value)
            {
                case "name": g.Name = r.Str(v); break;
                case "interval": g.Interval = Duration(r, v); break;
                case "query_offset": g.QueryOffset = Duration(r, v); break;
                case "limit": g.Limit = r.Long(v); break;
                case "labels": Map(r, v, g.Labels); break;
                case "rules":
                    foreach (var rn in r.Seq(v, "[]rulefmt.RuleNode"))
                    {
                        g.Rules.Add(Rule(r, rn));
                    }
                    break;
                default: r.Unknown(k, "rulefmt.RuleGroup"); break;
            }
        }
        return g;
    }

    private static RuleNode Rule(YamlReader r, YamlNode node)
    {
        var rule = new RuleNode { Position = At(node) };
        foreach (var (k, v) in r.Fields(node, "rulefmt.RuleNode"))
        {
            switch (k.Value)
            {
                case "record": rule.Record = r.Str(v); rule.RecordPosition = At(v); break;
                case "alert": rule.Alert = r.Str(v); rule.AlertPosition = At(v); break;
                case "expr": rule.Expr = r.Str(v); rule.ExprPosition = At(v); break;
                case "for": rule.For = Duration(r, v); rule.ForPosition = At(v); break;
                case "keep_firing_for": rule.KeepFiringFor = Duration(r, v); rule.KeepFiringForPosition = At(v); break;
                case "labels": Map(r, v, rule.Labels); break;
                case "annotations": Map(r, v, rule.Annotations); rule.AnnotationsPosition = At(v); break;
                default: r.Unknown(k, "rulefmt.RuleNode"); break;
            }
        }
        return rule;
    }

    // model.Duration: no sign, no fractions, units from ms to y.
    private static TimeSpan? Duration(YamlReader r, YamlNode v) => YamlReader.IsNull(v) ? null : r.Duration(v);

    private static void Map(YamlReader r, YamlNode node, Dictionary<string, string> into)
    {
        foreach (var (k, v) in r.StrMap(node, "map[string]string"))
        {
            into[k] = v;
        }
    }

    // rulefmt's RuleGroups.Validate and RuleNode.Validate, in their order and words.
    private static void Validate(RuleFile file, List<string> errors, bool legacy)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var g in file.Groups)
        {
            if (g.Name.Length == 0)
            {
                errors.Add($"{file.Path}:{g.Position}: Groupname must not be empty");
            }
            else if (!names.Add(g.Name))
            {
                errors.Add($"{file.Path}:{g.Position}: groupname: \"{g.Name}\" is repeated in the same file");
            }
            foreach (var (name, _) in g.Labels)
            {
                if (!ValidRuleLabelName(name, legacy))
                {
                    errors.Add($"{file.Path}:{g.Position}: group \"{g.Name}\": invalid label name: {name}");
                }
            }
            for (int i = 0; i < g.Rules.Count; i++)
            {
                var rule = g.Rules[i];
                foreach (var (pos, reason) in ValidateRule(rule, legacy))
                {
                    var at = pos.Line > 0 ? pos : rule.Position;
                    errors.Add($"{file.Path}:{at}: group \"{g.Name}\", rule {i + 1}, \"{rule.Name}\": {reason}");
                }
            }
        }
    }

    private static List<(FilePosition At, string Reason)> ValidateRule(RuleNode r, bool legacy)
    {
        var errs = new List<(FilePosition, string)>();
        if (r.Record.Length > 0 && r.Alert.Length > 0)
        {
            errs.Add((r.RecordPosition, "only one of 'record' and 'alert' must be set"));
        }
        if (r.Record.Length == 0 && r.Alert.Length == 0)
        {
            errs.Add((r.Position, "one of 'record' or 'alert' must be set"));
        }
        if (r.Expr.Length == 0)
        {
            errs.Add((r.ExprPosition, "field 'expr' must be set in rule"));
        }
        else
        {
            try
            {
                PromQLParser.Parse(r.Expr);
            }
            catch (PromQLParseException e)
            {
                errs.Add((r.ExprPosition, "could not parse expression: " + e.Message));
            }
        }
        if (r.Record.Length > 0)
        {
            if (r.Annotations.Count > 0)
            {
                errs.Add((r.AnnotationsPosition, "invalid field 'annotations' in recording rule"));
            }
            if (r.For is not null)
            {
                errs.Add((r.ForPosition, "invalid field 'for' in recording rule"));
            }
            if (r.KeepFiringFor is not null)
            {
                errs.Add((r.KeepFiringForPosition, "invalid field 'keep_firing_for' in recording rule"));
            }
            if (!(legacy ? IsValidMetricName(r.Record) : IsValidUtf8Name(r.Record)))
            {
                errs.Add((r.RecordPosition, "invalid recording rule name: " + r.Record));
            }
        }
        foreach (var (name, _) in r.Labels)
        {
            if (!ValidRuleLabelName(name, legacy))
            {
                errs.Add((default, "invalid label name: " + name));
            }
        }
        foreach (var (name, _) in r.Annotations)
        {
            if (!(legacy ? Labels.IsValidLabelName(name) : IsValidUtf8Name(name)))
            {
                errs.Add((r.AnnotationsPosition, "invalid annotation name: " + name));
            }
        }
        if (r.Alert.Length > 0)
        {
            // Alert labels and annotations are templates, expanded at every evaluation; a broken one is found now.
            foreach (var (name, text) in r.Labels)
            {
                if (TemplateCheck.Check(text, "__alert_" + r.Alert) is { } err)
                {
                    errs.Add((default, $"label \"{name}\": {err}"));
                }
            }
            foreach (var (name, text) in r.Annotations)
            {
                if (TemplateCheck.Check(text, "__alert_" + r.Alert) is { } err)
                {
                    errs.Add((r.AnnotationsPosition, $"annotation \"{name}\": {err}"));
                }
            }
        }
        return errs;
    }

    // A rule may not set __name__ through its labels (the record name or the alert's is the metric name).
    private static bool ValidRuleLabelName(string name, bool legacy) =>
        (legacy ? Labels.IsValidLabelName(name) : IsValidUtf8Name(name)) && name != "__name__";

    // Prometheus 3's UTF-8 names: anything non-empty that is valid UTF-16 (a YAML string cannot hold invalid UTF-8).
    private static bool IsValidUtf8Name(string name)
    {
        var span = name.AsSpan();
        if (span.IsEmpty)
        {
            return false;
        }
        while (!span.IsEmpty)
        {
            if (System.Text.Rune.DecodeFromUtf16(span, out _, out int n) != System.Buffers.OperationStatus.Done)
            {
                return false;
            }
            span = span[n..];
        }
        return true;
    }

    /// <summary>True for a legacy Prometheus metric name: <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>.</summary>
    public static bool IsValidMetricName(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            bool ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' or ':' || (i > 0 && c is >= '0' and <= '9');
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }
}
