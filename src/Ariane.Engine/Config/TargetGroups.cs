using System.Text.Json;
using Ariane.Model;
using YamlDotNet.RepresentationModel;

namespace Ariane.Config;

/// <summary>
/// Reads target groups (<c>{targets: [...], labels: {...}}</c>) from static_configs and from file_sd files, in
/// YAML (.yml/.yaml) or JSON (.json), as Prometheus does; shared by the loader, discovery and <c>check config</c>.
/// </summary>
public static class TargetGroups
{
    /// <summary>Reads a file_sd file; throws <see cref="ConfigException"/> with the position of the problem.</summary>
    public static List<StaticConfig> ParseFile(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Parses file_sd content; the extension of <paramref name="path"/> chooses JSON or YAML.</summary>
    public static List<StaticConfig> Parse(string text, string path)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext == ".json")
        {
            return ParseJson(text, path);
        }
        if (ext is not (".yml" or ".yaml"))
        {
            throw new ConfigException(path, 0, 0, $"retrieval.FileDiscovery.readFile: unknown file extension {ext}");
        }
        var r = new YamlReader(path, null);
        var root = r.ParseDocument(text);
        var list = new List<StaticConfig>();
        if (root is null)
        {
            return list;
        }
        foreach (var n in r.Seq(root, "[]*targetgroup.Group"))
        {
            if (YamlReader.IsNull(n))
            {
                r.Fail(n, "nil target group item found");
            }
            list.Add(Group(r, n, checkAddresses: false));
        }
        return list;
    }

    internal static StaticConfig Group(YamlReader r, YamlNode node, bool checkAddresses)
    {
        const string T = "targetgroup.Group";
        var g = new StaticConfig();
        foreach (var (k, v) in r.Fields(node, T))
        {
            switch (k.Value)
            {
                case "targets":
                    foreach (var t in r.Seq(v, "[]string"))
                    {
                        string addr = r.Str(t);
                        if (checkAddresses && addr.Contains('/', StringComparison.Ordinal))
                        {
                            r.Fail(t, $"\"{addr}\" is not a valid hostname");
                        }
                        g.Targets.Add(addr);
                    }
                    break;
                case "labels": g.Labels = r.LabelSet(v); break;
                default: r.Unknown(k, T); break;
            }
        }
        return g;
    }

    private static List<StaticConfig> ParseJson(string text, string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Disallow });
            var list = new List<StaticConfig>();
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new ConfigException(path, 1, 1, "json: cannot unmarshal into []*targetgroup.Group");
            }
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                if (e.ValueKind == JsonValueKind.Null)
                {
                    throw new ConfigException(path, 0, 0, "nil target group item found");
                }
                if (e.ValueKind != JsonValueKind.Object)
                {
                    throw new ConfigException(path, 0, 0, "json: cannot unmarshal " + e.ValueKind + " into targetgroup.Group");
                }
                var g = new StaticConfig();
                // Go's encoding/json ignores unknown fields; so do we.
                if (e.TryGetProperty("targets", out var ts) && ts.ValueKind != JsonValueKind.Null)
                {
                    foreach (var t in ts.EnumerateArray())
                    {
                        g.Targets.Add(t.ValueKind == JsonValueKind.String ? t.GetString()!
                            : throw new ConfigException(path, 0, 0, "json: cannot unmarshal " + t.ValueKind + " into string"));
                    }
                }
                if (e.TryGetProperty("labels", out var ls) && ls.ValueKind != JsonValueKind.Null)
                {
                    var labels = new List<Label>();
                    foreach (var p in ls.EnumerateObject())
                    {
                        if (!Labels.IsValidLabelName(p.Name))
                        {
                            throw new ConfigException(path, 0, 0, $"\"{p.Name}\" is not a valid label name");
                        }
                        labels.Add(new Label(p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()!
                            : throw new ConfigException(path, 0, 0, "json: cannot unmarshal " + p.Value.ValueKind + " into model.LabelValue")));
                    }
                    g.Labels = Labels.FromUnsorted([.. labels]);
                }
                list.Add(g);
            }
            return list;
        }
        catch (JsonException e)
        {
            throw new ConfigException(path, (int)(e.LineNumber ?? -1) + 1, (int)(e.BytePositionInLine ?? -1) + 1, "json: " + e.Message, e);
        }
        catch (InvalidOperationException e)
        {
            throw new ConfigException(path, 0, 0, "json: " + e.Message, e);
        }
    }
}
