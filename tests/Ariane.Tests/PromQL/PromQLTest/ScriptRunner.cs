using System.Text.RegularExpressions;
using Ariane.Model;
using Ariane.Storage;
using Ariane.Tsdb;

namespace Ariane.Tests.PromQL.PromQLTest;

/// <summary>Switches for the extra checks of FORMAT.md §8 (both on by default, as in the reference runner).</summary>
public sealed record ScriptRunnerOptions
{
    /// <summary>Re-run each successful instant eval with every selector pinned by <c>@ t</c>, at −10t, 0, t/5, t and 10t.</summary>
    public bool AtModifierCheck { get; init; } = true;

    /// <summary>Re-run each successful instant eval as a range query t−1m…t+1m step 1m and compare the point at t.</summary>
    public bool RangeModeCheck { get; init; } = true;
}

/// <summary>How one eval ended.</summary>
public enum EvalOutcome
{
    /// <summary>Every check held.</summary>
    Passed,
    /// <summary>A check failed and the eval is not in the known-failures list.</summary>
    Failed,
    /// <summary>A check failed and the eval is in the known-failures list (the reason is the list's).</summary>
    KnownFailure,
    /// <summary>Not run: it touches native-histogram data, which Ariane cannot store yet.</summary>
    NativeHistogram,
}

/// <summary>The result of one eval: where it is, how it ended and why.</summary>
public sealed record EvalResult(string File, int Line, string Expr, EvalOutcome Outcome, string? Reason)
{
    /// <summary>Prints as <c>file:line: outcome: reason</c>.</summary>
    public override string ToString() => $"{File}:{Line}: {Outcome}: {Expr}" + (Reason is null ? "" : "\n    " + Reason.Replace("\n", "\n    ", StringComparison.Ordinal));
}

/// <summary>What running one script gave: every eval's result, notes about the data, and known-failure entries that are stale.</summary>
public sealed record FileReport(string File, IReadOnlyList<EvalResult> Evals, IReadOnlyList<string> Notes, IReadOnlyList<string> StaleKnownFailures)
{
    /// <summary>Evals that passed.</summary>
    public int Passed => Evals.Count(e => e.Outcome == EvalOutcome.Passed);

    /// <summary>Evals that failed unexpectedly.</summary>
    public int Failed => Evals.Count(e => e.Outcome == EvalOutcome.Failed);

    /// <summary>Evals that failed as listed.</summary>
    public int Known => Evals.Count(e => e.Outcome == EvalOutcome.KnownFailure);

    /// <summary>Evals not run because they touch native histograms.</summary>
    public int NativeHistograms => Evals.Count(e => e.Outcome == EvalOutcome.NativeHistogram);

    /// <summary>True when nothing failed unexpectedly and the known-failures list is accurate for this file.</summary>
    public bool Ok => Failed == 0 && StaleKnownFailures.Count == 0;

    /// <summary>The unexpected failures and stale entries, for an assertion message.</summary>
    public string Problems() => string.Join("\n", Evals.Where(e => e.Outcome == EvalOutcome.Failed).Select(e => e.ToString()).Concat(StaleKnownFailures));
}

/// <summary>
/// Runs a parsed promqltest script against an <see cref="IPromQLTestEngine"/>: loads go into a fresh TSDB head
/// (per file and per <c>clear</c>), each eval is run and compared by <see cref="ResultComparer"/>, plus the
/// @-rewrite and range-mode cross-checks of FORMAT.md §8 for successful instant evals.
/// </summary>
/// <remarks>
/// Native-histogram samples cannot be stored yet: series with <c>{{...}}</c> values are not loaded, the base
/// names of <c>load_with_nhcb</c> groups are remembered, and every eval that names such a metric or expects a
/// histogram is reported as <see cref="EvalOutcome.NativeHistogram"/> without being run. Start timestamps
/// (<c>@st</c>) are parsed but cannot be stored either; the samples are loaded without them.
/// </remarks>
public sealed partial class ScriptRunner : IDisposable
{
    /// <summary>The reason given to evals that touch native histograms.</summary>
    public const string NativeHistogramReason = "native histograms (later issue)";

    private readonly IPromQLTestEngine _engine;
    private readonly ScriptRunnerOptions _options;
    private readonly string _file;
    private readonly HashSet<string> _histogramNames = new(StringComparer.Ordinal);
    private readonly List<string> _notes = [];
    private Head? _head;
    private string? _dir;

    private ScriptRunner(string file, IPromQLTestEngine engine, ScriptRunnerOptions options)
    {
        _file = file;
        _engine = engine;
        _options = options;
    }

    /// <summary>Runs every command of <paramref name="script"/> and reports each eval, applying the known-failures list.</summary>
    public static FileReport Run(TestScript script, IPromQLTestEngine engine, ScriptRunnerOptions? options = null, KnownFailures? known = null)
    {
        known ??= KnownFailures.None;
        using var runner = new ScriptRunner(script.Name, engine, options ?? new ScriptRunnerOptions());
        var results = new List<EvalResult>();
        runner.Reset();
        foreach (var cmd in script.Commands)
        {
            switch (cmd)
            {
                case ClearCommand:
                    runner.Reset();
                    break;
                case LoadCommand load:
                    runner.Load(load);
                    break;
                case EvalCommand eval:
                    {
                        var r = runner.Eval(eval);
                        if (r.Outcome == EvalOutcome.Failed && known.Reason(script.Name, eval.Line) is { } reason)
                        {
                            r = r with { Outcome = EvalOutcome.KnownFailure, Reason = reason + " (got: " + r.Reason + ")" };
                        }
                        results.Add(r);
                        break;
                    }
            }
        }
        var stale = new List<string>();
        foreach (var (line, reason) in known.ForFile(script.Name))
        {
            var r = results.FirstOrDefault(e => e.Line == line);
            string? why = r is null ? "there is no eval at this line"
                : r.Outcome == EvalOutcome.Passed ? "it passes now"
                : r.Outcome == EvalOutcome.NativeHistogram ? "native-histogram evals are not run"
                : null;
            if (why is not null)
            {
                stale.Add($"{script.Name}:{line}: listed as a known failure ({reason}), but {why}: remove it from the list");
            }
        }
        return new FileReport(script.Name, results, runner._notes, stale);
    }

    /// <summary>Parses the script at <paramref name="path"/> and runs it (see <see cref="Run"/>).</summary>
    public static FileReport RunFile(string path, IPromQLTestEngine engine, ScriptRunnerOptions? options = null, KnownFailures? known = null) =>
        Run(ScriptParser.ParseFile(path), engine, options, known);

    private void Reset()
    {
        CloseHead();
        _histogramNames.Clear();
        _dir = Path.Combine(Path.GetTempPath(), "ariane-promqltest-" + Guid.NewGuid().ToString("N"));
        _head = Head.Open(new TsdbOptions { Path = _dir, WalSyncInterval = TimeSpan.Zero }, TimeProvider.System);
    }

    private void CloseHead()
    {
        _head?.Dispose();
        _head = null;
        if (_dir is not null && Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
        _dir = null;
    }

    private void Load(LoadCommand load)
    {
        var app = _head!.Appender();
        var rejected = new Dictionary<AppendStatus, int>();
        int histogramSeries = 0;
        // As in promqltest, a series defined twice in one load block keeps its last definition.
        var lastDefinition = new Dictionary<Labels, int>();
        for (int i = 0; i < load.Series.Count; i++)
        {
            lastDefinition[load.Series[i].Labels] = i;
        }
        for (int si = 0; si < load.Series.Count; si++)
        {
            var s = load.Series[si];
            if (lastDefinition[s.Labels] != si)
            {
                continue;
            }
            if (s.HasHistograms)
            {
                // Kept out of storage entirely: half a series would make evals over it wrong in a subtler way.
                _histogramNames.Add(s.Labels.Name);
                histogramSeries++;
                continue;
            }
            ulong seriesRef = 0;
            for (int i = 0; i < s.Values.Count; i++)
            {
                if (s.Values[i].Omitted)
                {
                    continue;
                }
                long t = i * load.IntervalMs;
                long? stOffset = s.StartOffsetsMs?[i];
                var st = app.Append(ref seriesRef, s.Labels, t, s.Values[i].Value, stOffset is { } o ? t + o : 0);
                if (st != AppendStatus.Ok)
                {
                    rejected[st] = rejected.GetValueOrDefault(st) + 1;
                }
            }
            if (load.WithNhcb && s.Labels.Name.EndsWith("_bucket", StringComparison.Ordinal) && s.Labels.Has("le"))
            {
                _histogramNames.Add(s.Labels.Name[..^"_bucket".Length]);
            }
        }
        app.Commit();
        foreach (var (status, n) in rejected)
        {
            _notes.Add($"{_file}:{load.Line}: {n} sample(s) rejected by the head ({status})");
        }
        if (histogramSeries > 0)
        {
            _notes.Add($"{_file}:{load.Line}: {histogramSeries} native-histogram series not loaded ({NativeHistogramReason})");
        }
        if (load.WithNhcb)
        {
            _notes.Add($"{_file}:{load.Line}: load_with_nhcb: float series loaded, NHCB conversion skipped ({NativeHistogramReason})");
        }
        if (load.HasStartTimestamps)
        {
            _notes.Add($"{_file}:{load.Line}: @st start timestamps not stored (the head has no start timestamps yet)");
        }
    }

    /// <summary>True when the eval names a metric that had native-histogram data loaded, or expects histograms.</summary>
    private bool TouchesHistograms(EvalCommand eval)
    {
        if (eval.ExpectsHistograms)
        {
            return true;
        }
        foreach (Match m in Identifier().Matches(eval.Expr))
        {
            if (_histogramNames.Contains(m.Value))
            {
                return true;
            }
        }
        return false;
    }

    private EvalResult Eval(EvalCommand eval)
    {
        if (TouchesHistograms(eval))
        {
            return new EvalResult(_file, eval.Line, eval.Expr, EvalOutcome.NativeHistogram, NativeHistogramReason);
        }
        string? failure;
        try
        {
            failure = eval.Kind == EvalKind.Range ? RunRange(eval) : RunInstant(eval);
        }
        catch (Exception e)
        {
            failure = $"the engine threw {e.GetType().Name}: {e.Message}";
        }
        return new EvalResult(_file, eval.Line, eval.Expr, failure is null ? EvalOutcome.Passed : EvalOutcome.Failed, failure);
    }

    private string? RunRange(EvalCommand eval)
    {
        var res = _engine.Range(_head!, eval.Expr, eval.StartMs, eval.EndMs, eval.StepMs);
        return ResultComparer.Check(eval, res, checkAnnotations: true, range: true);
    }

    private string? RunInstant(EvalCommand eval)
    {
        var variants = new List<(string Expr, long T, string Label)> { (eval.Expr, eval.AtMs, "") };
        if (_options.AtModifierCheck && AtCheckApplies(eval.Expr) &&
            _engine.RewriteWithAt(eval.Expr, eval.AtMs) is { } pinned)
        {
            foreach (long t in AtCheckTimes(eval.AtMs))
            {
                variants.Add((pinned, t, $"@-modifier check: {pinned} evaluated at {t}ms: "));
            }
        }
        bool rangeMode = _options.RangeModeCheck && eval.Fail is null && !eval.Ordered && eval.String is null &&
            eval.RangeVector is null && RangeCheckApplies(eval.Expr);
        foreach (var (expr, t, label) in variants)
        {
            var res = _engine.Instant(_head!, expr, t);
            if (ResultComparer.Check(eval, res, checkAnnotations: true, range: false) is { } f)
            {
                return label + f + (res.Error is null && eval.Fail is null ? "\n  got " + res : "");
            }
            if (rangeMode && RangeModeProblem(eval, expr, t, res) is { } rf)
            {
                return $"range-mode check{(label.Length > 0 ? " of " + label.TrimEnd(':', ' ') : "")}: {rf}";
            }
        }
        return null;
    }

    /// <summary>Runs the query as a range t−1m…t+1m step 1m and compares the point at t with the expected result.</summary>
    private string? RangeModeProblem(EvalCommand eval, string expr, long t, TestQueryResult instant)
    {
        var r = _engine.Range(_head!, expr, t - 60_000, t + 60_000, 60_000);
        if (r.Error is not null)
        {
            return "unexpected error: " + r.Error;
        }
        if (r.Kind != TestResultKind.Matrix)
        {
            return $"a range query must return a matrix, got {r}";
        }
        if (ResultComparer.CheckSorted(r.Series) is { } unsorted)
        {
            return unsorted;
        }
        var vector = new List<TestSeries>();
        foreach (var s in r.Series)
        {
            foreach (var p in s.Points)
            {
                if (p.T == t)
                {
                    vector.Add(new TestSeries(s.Labels, [p]));
                    break;
                }
            }
        }
        TestQueryResult asInstant;
        if (instant.Kind == TestResultKind.Scalar)
        {
            if (vector.Count == 0)
            {
                return $"the instant query returned a scalar, but the range query has no point at t={t}: {r}";
            }
            asInstant = TestQueryResult.OfScalar(t, vector[0].Points[0].V);
        }
        else
        {
            asInstant = TestQueryResult.OfVector(vector);
        }
        return ResultComparer.Check(eval, asInstant, checkAnnotations: false, range: false);
    }

    /// <summary>The evaluation times of the @-modifier check (FORMAT.md §8).</summary>
    public static long[] AtCheckTimes(long t) => t == 0 ? [-1000, 0, 1000] : [-10 * t, 0, t / 5, t, 10 * t];

    /// <summary>True when the §8 @-modifier check applies to <paramref name="expr"/> (no time-dependent functions).</summary>
    public static bool AtCheckApplies(string expr) => !TimeDependent().IsMatch(StripStrings(expr));

    /// <summary>True when the §8 range-mode check may apply to <paramref name="expr"/> (no start/end/range/step).</summary>
    public static bool RangeCheckApplies(string expr) => !RangeDependent().IsMatch(StripStrings(expr));

    private static string StripStrings(string expr) => StringLiteral().Replace(expr, "\"\"");

    /// <inheritdoc/>
    public void Dispose() => CloseHead();

    [GeneratedRegex(@"(?<![A-Za-z0-9_:.])[A-Za-z_:][A-Za-z0-9_:]*")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"\b(time|timestamp|predict_linear|start|end|range|step|day_of_month|day_of_week|day_of_year|days_in_month|hour|minute|month|year)\s*\(")]
    private static partial Regex TimeDependent();

    [GeneratedRegex(@"\b(start|end|range|step)\s*\(")]
    private static partial Regex RangeDependent();

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")]
    private static partial Regex StringLiteral();
}
