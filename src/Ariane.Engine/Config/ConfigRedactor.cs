using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Ariane.Config;

/// <summary>Replaces secret values in config YAML by <c>&lt;secret&gt;</c>, as Prometheus's <c>config.Secret</c> marshals.</summary>
public static class ConfigRedactor
{
    private const string Mask = "<secret>";

    /// <summary>Field names whose values are <c>config.Secret</c> somewhere in Prometheus's config.</summary>
    private static readonly HashSet<string> SecretFields = new(StringComparer.Ordinal)
    {
        "password", "credentials", "bearer_token", "client_secret", "token", "secret_key", "key",
        "application_credential_secret", "auth_token", "api_key", "client_secret_key",
    };

    /// <summary>The YAML with every secret field's value replaced by <c>&lt;secret&gt;</c>; empty when it does not parse.</summary>
    public static string Redact(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException)
        {
            return string.Empty;
        }
        if (stream.Documents.Count == 0)
        {
            return string.Empty;
        }
        Walk(stream.Documents[0].RootNode);
        using var w = new StringWriter();
        stream.Save(w, assignAnchors: false);
        string s = w.ToString();
        return s.EndsWith("...\n", StringComparison.Ordinal) ? s[..^4] : s;
    }

    private static void Walk(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode m:
                var secretKeys = new List<YamlNode>();
                foreach (var kv in m.Children)
                {
                    if (kv.Key is YamlScalarNode { Value: { } k } && SecretFields.Contains(k) &&
                        kv.Value is YamlScalarNode { Value.Length: > 0 })
                    {
                        secretKeys.Add(kv.Key);
                    }
                    else
                    {
                        Walk(kv.Value);
                    }
                }
                foreach (var k in secretKeys)
                {
                    m.Children[k] = new YamlScalarNode(Mask);
                }
                break;
            case YamlSequenceNode s:
                foreach (var c in s.Children)
                {
                    Walk(c);
                }
                break;
        }
    }
}
