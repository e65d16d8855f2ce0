namespace Ariane.Rules;

/// <summary>
/// A rule file as Prometheus's <c>rulefmt</c> reads it: groups of recording and alerting rules, each field kept with
/// its position so that a later check or the rules engine can point at the line. Only what the file says; defaults
/// (the global evaluation interval) are applied by whoever evaluates the groups.
/// </summary>
public sealed class RuleFile
{
    /// <summary>The file as named to the loader.</summary>
    public required string Path { get; init; }

    /// <summary>The groups, in file order.</summary>
    public List<RuleGroup> Groups { get; } = [];

    /// <summary>The number of rules over all groups.</summary>
    public int RuleCount
    {
        get
        {
            int n = 0;
            foreach (var g in Groups)
            {
                n += g.Rules.Count;
            }
            return n;
        }
    }
}

/// <summary>A 1-based line and column in a file; zero when unknown.</summary>
public readonly record struct FilePosition(int Line, int Column)
{
    /// <summary>"line:column", as Prometheus prints YAML node positions.</summary>
    public override string ToString() => $"{Line}:{Column}";
}

/// <summary>One <c>groups[]</c> entry: rules evaluated together at one interval.</summary>
public sealed class RuleGroup
{
    /// <summary><c>name</c>: unique within the file.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Where the group's mapping starts.</summary>
    public FilePosition Position { get; set; }

    /// <summary><c>interval</c>, or null for the global evaluation interval.</summary>
    public TimeSpan? Interval { get; set; }

    /// <summary><c>query_offset</c>, or null for the global <c>rule_query_offset</c>.</summary>
    public TimeSpan? QueryOffset { get; set; }

    /// <summary><c>limit</c>: the most series or alerts one rule may produce; 0 means no limit.</summary>
    public long Limit { get; set; }

    /// <summary><c>labels</c>: added to every rule's output (Prometheus 3).</summary>
    public Dictionary<string, string> Labels { get; } = new(StringComparer.Ordinal);

    /// <summary>The rules, in file order.</summary>
    public List<RuleNode> Rules { get; } = [];
}

/// <summary>One rule: <c>record</c> or <c>alert</c>, its expression and what it adds to its output.</summary>
public sealed class RuleNode
{
    /// <summary><c>record</c>: the metric name a recording rule writes; empty for an alerting rule.</summary>
    public string Record { get; set; } = string.Empty;

    /// <summary><c>alert</c>: the alert's name; empty for a recording rule.</summary>
    public string Alert { get; set; } = string.Empty;

    /// <summary><c>expr</c>: the PromQL expression, as text.</summary>
    public string Expr { get; set; } = string.Empty;

    /// <summary><c>for</c>: how long an alert is pending before it fires.</summary>
    public TimeSpan? For { get; set; }

    /// <summary><c>keep_firing_for</c>: how long an alert keeps firing after its condition clears.</summary>
    public TimeSpan? KeepFiringFor { get; set; }

    /// <summary><c>labels</c>: added to the output (templates for alerts).</summary>
    public Dictionary<string, string> Labels { get; } = new(StringComparer.Ordinal);

    /// <summary><c>annotations</c>: an alert's descriptive texts (templates).</summary>
    public Dictionary<string, string> Annotations { get; } = new(StringComparer.Ordinal);

    /// <summary>Where the rule's mapping starts.</summary>
    public FilePosition Position { get; set; }

    /// <summary>Where the <c>record</c> value is, or default.</summary>
    public FilePosition RecordPosition { get; set; }

    /// <summary>Where the <c>alert</c> value is, or default.</summary>
    public FilePosition AlertPosition { get; set; }

    /// <summary>Where the <c>expr</c> value is, or default.</summary>
    public FilePosition ExprPosition { get; set; }

    /// <summary>Where the <c>for</c> value is, or default.</summary>
    public FilePosition ForPosition { get; set; }

    /// <summary>Where the <c>keep_firing_for</c> value is, or default.</summary>
    public FilePosition KeepFiringForPosition { get; set; }

    /// <summary>Where the <c>annotations</c> value is, or default.</summary>
    public FilePosition AnnotationsPosition { get; set; }

    /// <summary>The rule's name: its alert name, else its record name (as Prometheus names rules in errors).</summary>
    public string Name => Alert.Length > 0 ? Alert : Record;
}
