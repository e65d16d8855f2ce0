using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Ariane.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Ariane.Config;

/// <summary>
/// Strict, position-keeping reads of a YAML representation tree: every mismatch becomes a
/// <see cref="ConfigException"/> at the node's line and column, in the words of Go's yaml.v2 where they exist.
/// </summary>
internal sealed class YamlReader
{
    public YamlReader(string file, string? baseDir)
    {
        File = file;
        BaseDir = baseDir;
    }

    public string File { get; }

    public string? BaseDir { get; }

    /// <summary>Parses one YAML document (merge keys allowed); null for an empty stream.</summary>
    public YamlNode? ParseDocument(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            string msg = e.InnerException is YamlException inner ? inner.Message : e.Message;
            var at = e.InnerException is YamlException ie ? ie.Start : e.Start;
            if (msg.StartsWith("Duplicate key ", StringComparison.Ordinal))
            {
                msg = $"mapping key \"{msg.Substring("Duplicate key ".Length)}\" already defined";
            }
            throw new ConfigException(File, (int)at.Line, (int)at.Column, "yaml: " + msg, e);
        }
        if (stream.Documents.Count == 0)
        {
            return null;
        }
        if (stream.Documents.Count > 1)
        {
            Fail(stream.Documents[1].RootNode, "expected a single YAML document");
        }
        return stream.Documents[0].RootNode;
    }

    [DoesNotReturn]
    public void Fail(YamlNode node, string reason) =>
        throw new ConfigException(File, (int)node.Start.Line, (int)node.Start.Column, reason);

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } s &&
        (s.Value is null or "" or "~" or "null" or "Null" or "NULL");

    private static string Kind(YamlNode n) => n switch
    {
        YamlMappingNode => "!!map",
        YamlSequenceNode => "!!seq",
        _ => "!!str",
    };

    [DoesNotReturn]
    public void Mismatch(YamlNode n, string into)
    {
        if (n is YamlScalarNode s)
        {
            Fail(n, $"cannot unmarshal !!{ScalarKind(s)} `{s.Value}` into {into}");
        }
        Fail(n, $"cannot unmarshal {Kind(n)} into {into}");
    }

    private static string ScalarKind(YamlScalarNode s)
    {
        if (s.Style is ScalarStyle.Plain or ScalarStyle.Any)
        {
            string v = s.Value ?? string.Empty;
            if (long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            {
                return "int";
            }
            if (TryBool(v, out _))
            {
                return "bool";
            }
            if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                return "float";
            }
        }
        return "str";
    }

    /// <summary>
    /// The key/value pairs of a mapping (none for null), rejecting non-scalar keys; merge keys (<c>&lt;&lt;: *anchor</c>)
    /// contribute the fields the mapping does not set itself, as in YAML 1.1 and Go's yaml.v2.
    /// </summary>
    public List<(YamlScalarNode Key, YamlNode Value)> Fields(YamlNode node, string type)
    {
        var list = new List<(YamlScalarNode, YamlNode)>();
        if (IsNull(node))
        {
            return list;
        }
        if (node is not YamlMappingNode map)
        {
            Mismatch(node, type);
            return list;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        List<YamlNode>? merges = null;
        foreach (var kv in map.Children)
        {
            if (kv.Key is not YamlScalarNode key)
            {
                Fail(kv.Key, $"invalid map key in {type}");
                continue;
            }
            string name = key.Value ?? string.Empty;
            if (name == "<<" && key.Style is ScalarStyle.Plain)
            {
                merges ??= [];
                if (kv.Value is YamlSequenceNode many)
                {
                    merges.AddRange(many.Children);
                }
                else
                {
                    merges.Add(kv.Value);
                }
                continue;
            }
            seen.Add(name);
            list.Add((key, kv.Value));
        }
        if (merges is not null)
        {
            foreach (var m in merges)
            {
                if (m is not YamlMappingNode)
                {
                    Fail(m, "map merge requires map or sequence of maps as the value");
                }
                foreach (var (k, v) in Fields(m, type))
                {
                    if (seen.Add(k.Value ?? string.Empty))
                    {
                        list.Add((k, v));
                    }
                }
            }
        }
        return list;
    }

    [DoesNotReturn]
    public void Unknown(YamlScalarNode key, string type) => Fail(key, $"field {key.Value} not found in type {type}");

    /// <summary>The elements of a sequence (none for null).</summary>
    public List<YamlNode> Seq(YamlNode node, string into)
    {
        if (IsNull(node))
        {
            return [];
        }
        if (node is not YamlSequenceNode seq)
        {
            Mismatch(node, into);
            return [];
        }
        return [.. seq.Children];
    }

    public string Str(YamlNode node)
    {
        if (IsNull(node))
        {
            return string.Empty;
        }
        if (node is not YamlScalarNode s)
        {
            Mismatch(node, "string");
            return string.Empty;
        }
        return s.Value ?? string.Empty;
    }

    public string? OptStr(YamlNode node) => IsNull(node) ? null : Str(node);

    public static bool TryBool(string v, out bool b)
    {
        switch (v)
        {
            case "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" or "y" or "Y":
                b = true;
                return true;
            case "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF" or "n" or "N":
                b = false;
                return true;
            default:
                b = false;
                return false;
        }
    }

    public bool Bool(YamlNode node, bool dflt)
    {
        if (IsNull(node))
        {
            return dflt;
        }
        if (node is not YamlScalarNode s || !TryBool(s.Value ?? string.Empty, out bool b))
        {
            Mismatch(node, "bool");
            return false;
        }
        return b;
    }

    public long Long(YamlNode node, string into = "int")
    {
        if (IsNull(node))
        {
            return 0;
        }
        if (node is not YamlScalarNode s ||
            !long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v))
        {
            Mismatch(node, into);
            return 0;
        }
        return v;
    }

    public int UInt(YamlNode node)
    {
        long v = Long(node, "uint");
        if (v is < 0 or > int.MaxValue)
        {
            Mismatch(node, "uint");
        }
        return (int)v;
    }

    public ulong ULong(YamlNode node)
    {
        if (IsNull(node))
        {
            return 0;
        }
        if (node is not YamlScalarNode s || !ulong.TryParse(s.Value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v))
        {
            Mismatch(node, "uint64");
            return 0;
        }
        return v;
    }

    public TimeSpan Duration(YamlNode node)
    {
        if (IsNull(node))
        {
            return TimeSpan.Zero;
        }
        string s = Str(node);
        if (!PromDuration.TryParse(s, out var d))
        {
            Fail(node, $"not a valid duration string: \"{s}\"");
        }
        return d;
    }

    public long Size(YamlNode node)
    {
        if (IsNull(node))
        {
            return 0;
        }
        string s = Str(node);
        if (!ByteSize.TryParse(s, out long b))
        {
            int i = 0;
            while (i < s.Length && (s[i] is >= '0' and <= '9' || s[i] == '.'))
            {
                i++;
            }
            int j = i;
            while (j < s.Length && !(s[j] is >= '0' and <= '9' || s[j] == '.'))
            {
                j++;
            }
            Fail(node, $"units: unknown unit {s.Substring(i, j - i)} in {s}");
        }
        return b;
    }

    public List<string> StrList(YamlNode node)
    {
        var list = new List<string>();
        foreach (var n in Seq(node, "[]string"))
        {
            list.Add(Str(n));
        }
        return list;
    }

    public Dictionary<string, string> StrMap(YamlNode node, string type)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in Fields(node, type))
        {
            d[k.Value ?? string.Empty] = Str(v);
        }
        return d;
    }

    public string LabelName(YamlNode node)
    {
        string s = Str(node);
        if (!Labels.IsValidLabelName(s))
        {
            Fail(node, $"\"{s}\" is not a valid label name");
        }
        return s;
    }

    /// <summary>A <c>model.LabelSet</c>: names validated, values any string.</summary>
    public Labels LabelSet(YamlNode node)
    {
        var list = new List<Label>();
        foreach (var (k, v) in Fields(node, "model.LabelSet"))
        {
            list.Add(new Label(LabelName(k), Str(v)));
        }
        return Labels.FromUnsorted([.. list]);
    }

    /// <summary>Resolves a path against the config file's folder, as Prometheus's <c>SetDirectory</c>.</summary>
    public string Path(string p) =>
        BaseDir is null || p.Length == 0 || System.IO.Path.IsPathRooted(p) ? p : System.IO.Path.Combine(BaseDir, p);

    public string? OptPath(YamlNode node) => OptStr(node) is { } s ? Path(s) : null;

    /// <summary>The node as plain values (string, list, dictionary, null), for fields kept but not acted on.</summary>
    public static object? Plain(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode m:
                var d = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var kv in m.Children)
                {
                    d[kv.Key is YamlScalarNode k ? k.Value ?? string.Empty : kv.Key.ToString()] = Plain(kv.Value);
                }
                return d;
            case YamlSequenceNode s:
                var l = new List<object?>(s.Children.Count);
                foreach (var c in s.Children)
                {
                    l.Add(Plain(c));
                }
                return l;
            default:
                return IsNull(node) ? null : ((YamlScalarNode)node).Value;
        }
    }
}
