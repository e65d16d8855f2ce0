using Ariane.Model;

namespace Ariane.Tests.PromQL.PromQLTest;

/// <summary>A script that does not follow FORMAT.md; the message starts with <c>file:line:</c>.</summary>
public sealed class ScriptParseException(string file, int line, string detail)
    : FormatException($"{file}:{line}: {detail}")
{
    /// <summary>The file name.</summary>
    public string File { get; } = file;

    /// <summary>The 1-based line.</summary>
    public int Line { get; } = line;
}

/// <summary>
/// Parses promqltest scripts (FORMAT.md §1–§7) into commands: lines are trimmed, empty and comment lines end a
/// block, each block is one header line (load, load_with_nhcb, clear, eval and its deprecated variants) and its
/// data lines. Everything it rejects is reported as <see cref="ScriptParseException"/> with file:line.
/// </summary>
public static class ScriptParser
{
    /// <summary>Reads and parses a file; the script is named after the file.</summary>
    public static TestScript ParseFile(string path) => Parse(Path.GetFileName(path), File.ReadAllText(path));

    /// <summary>Parses script text; <paramref name="name"/> is used in error messages.</summary>
    public static TestScript Parse(string name, string text)
    {
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string l = lines[i].Trim();
            // A comment line counts as an empty line, so it ends the block before it.
            lines[i] = l.StartsWith('#') ? "" : l;
        }
        var commands = new List<ScriptCommand>();
        int at = 0;
        while (at < lines.Length)
        {
            if (lines[at].Length == 0)
            {
                at++;
                continue;
            }
            int header = at;
            string word = FirstWord(lines[at], out string rest);
            try
            {
                switch (word)
                {
                    case "load":
                    case "load_with_nhcb":
                        commands.Add(ParseLoad(lines, ref at, rest, word == "load_with_nhcb"));
                        break;
                    case "clear":
                        if (rest.Length > 0)
                        {
                            throw new FormatException("'clear' takes no arguments");
                        }
                        commands.Add(new ClearCommand(at + 1));
                        at++;
                        break;
                    case "eval":
                    case "eval_fail":
                    case "eval_warn":
                    case "eval_info":
                    case "eval_ordered":
                        commands.Add(ParseEval(lines, ref at, word, rest));
                        break;
                    default:
                        throw new FormatException($"unknown command '{word}'");
                }
            }
            catch (FormatExceptionAtLine e)
            {
                throw new ScriptParseException(name, e.Line, e.Message);
            }
            catch (FormatException e) when (e is not ScriptParseException)
            {
                // Data-line errors leave 'at' on the offending line; header errors leave it on the header.
                throw new ScriptParseException(name, Math.Max(at, header) + 1, e.Message);
            }
        }
        return new TestScript(name, commands);
    }

    private static string FirstWord(string line, out string rest)
    {
        int i = 0;
        while (i < line.Length && line[i] is not (' ' or '\t'))
        {
            i++;
        }
        rest = line[i..].Trim();
        return line[..i];
    }

    private static LoadCommand ParseLoad(string[] lines, ref int at, string rest, bool withNhcb)
    {
        int header = at;
        long interval = ParseTime(rest, "load interval");
        var series = new List<LoadSeries>();
        at++;
        while (at < lines.Length && lines[at].Length > 0)
        {
            var d = SeriesDescParser.ParseSeriesDesc(lines[at]);
            IReadOnlyList<long?>? st = null;
            if (d.StartTimestamps)
            {
                st = SeriesDescParser.ParseStartOffsets(lines[at], d.ValuesStart);
                int stLine = at;
                at++;
                if (at >= lines.Length || lines[at].Length == 0)
                {
                    at = stLine;
                    throw new FormatException("an @st line must be followed by the data line of the same series");
                }
                var next = SeriesDescParser.ParseSeriesDesc(lines[at]);
                if (next.StartTimestamps || !next.Labels.Equals(d.Labels))
                {
                    throw new FormatException($"the line after '{d.Labels}@st' must describe the same series");
                }
                d = next;
            }
            var values = SeriesDescParser.ParseValues(lines[at], d.ValuesStart);
            if (st is not null && st.Count != values.Count)
            {
                throw new FormatException($"{st.Count} start timestamps for {values.Count} values");
            }
            series.Add(new LoadSeries(at + 1, d.Labels, values, st));
            at++;
        }
        return new LoadCommand(header + 1, interval, withNhcb, series);
    }

    private static EvalCommand ParseEval(string[] lines, ref int at, string word, string rest)
    {
        string? deprecated = word.Length > 4 ? word[5..] : null;
        string kindWord = FirstWord(rest, out rest);
        EvalCommand cmd;
        if (kindWord == "instant")
        {
            long t = 0;
            if (rest.StartsWith("at ", StringComparison.Ordinal) || rest.StartsWith("at\t", StringComparison.Ordinal))
            {
                t = ParseTime(FirstWord(rest[3..].TrimStart(), out rest), "evaluation time");
            }
            cmd = new EvalCommand(at + 1, EvalKind.Instant, RequireExpr(rest), t, t, 0);
        }
        else if (kindWord == "range")
        {
            if (deprecated == "ordered")
            {
                throw new FormatException("eval_ordered is for instant queries only");
            }
            long start = ParseTime(Keyword(ref rest, "from"), "range start");
            long end = ParseTime(Keyword(ref rest, "to"), "range end");
            long step = ParseTime(Keyword(ref rest, "step"), "range step");
            if (end < start)
            {
                throw new FormatException("invalid range: end is before start");
            }
            if (step <= 0)
            {
                throw new FormatException("invalid range: step must be positive");
            }
            cmd = new EvalCommand(at + 1, EvalKind.Range, RequireExpr(rest), start, end, step);
        }
        else
        {
            throw new FormatException($"expected 'instant' or 'range' after '{word}', got '{kindWord}'");
        }
        cmd.Deprecated = deprecated;
        switch (deprecated)
        {
            case "fail": cmd.Fail = new Expectation(ExpectKind.Fail, null, null); break;
            case "warn": cmd.Warn.Add(new Expectation(ExpectKind.Warn, null, null)); break;
            case "info": cmd.Info.Add(new Expectation(ExpectKind.Info, null, null)); break;
            case "ordered": cmd.Ordered = true; break;
        }
        at++;
        while (at < lines.Length && lines[at].Length > 0)
        {
            string line = lines[at];
            string w = FirstWord(line, out string arg);
            if (w == "expect")
            {
                ParseExpect(cmd, arg);
            }
            else if (w is "expected_fail_message" or "expected_fail_regexp")
            {
                if (deprecated != "fail")
                {
                    throw new FormatException($"'{w}' is only allowed after eval_fail");
                }
                cmd.Fail = w == "expected_fail_message"
                    ? new Expectation(ExpectKind.Fail, arg, null)
                    : new Expectation(ExpectKind.Fail, null, ValidRegex(arg));
                // As in the reference runner, this line ends the block.
                at++;
                break;
            }
            else if (SeriesDescParser.TryParseNumber(line, out double scalar))
            {
                if (cmd.Scalar is not null || cmd.Series.Count > 0)
                {
                    throw new FormatException("a scalar expectation must be the only result line");
                }
                cmd.Scalar = scalar;
            }
            else
            {
                if (cmd.Scalar is not null)
                {
                    throw new FormatException("a scalar expectation must be the only result line");
                }
                var (labels, values) = SeriesDescParser.ParseSeriesLine(line);
                if (cmd.Series.Any(s => s.Labels.Equals(labels)))
                {
                    throw new FormatException($"series {labels} is expected twice");
                }
                cmd.Series.Add(new ExpectedSeries(at + 1, labels, values));
            }
            at++;
        }
        Validate(cmd);
        return cmd;
    }

    private static void Validate(EvalCommand cmd)
    {
        if (cmd.String is not null && (cmd.Series.Count > 0 || cmd.Scalar is not null))
        {
            throw new FormatExceptionAtLine(cmd.Line, "expect string cannot be combined with result lines");
        }
        foreach (var s in cmd.Series)
        {
            string? problem = null;
            if (cmd.Kind == EvalKind.Range)
            {
                long steps = (cmd.EndMs - cmd.StartMs) / cmd.StepMs + 1;
                if (s.Values.Count > steps)
                {
                    problem = $"{s.Values.Count} values listed but the range has only {steps} steps";
                }
            }
            else if (cmd.RangeVector is { } rv)
            {
                long steps = (rv.EndMs - rv.StartMs) / rv.StepMs + 1;
                if (s.Values.Count > steps)
                {
                    problem = $"{s.Values.Count} values listed but the expected range vector has only {steps} points";
                }
            }
            else if (s.Values.Count != 1)
            {
                problem = $"an instant eval expects exactly one value per series, got {s.Values.Count}";
            }
            else if (s.Values[0].Omitted)
            {
                problem = "an instant eval cannot expect '_'";
            }
            if (problem is not null)
            {
                throw new FormatExceptionAtLine(s.Line, problem);
            }
        }
    }

    private static void ParseExpect(EvalCommand cmd, string arg)
    {
        string kind = FirstWord(arg, out string rest);
        switch (kind)
        {
            case "fail":
            case "warn":
            case "info":
                {
                    string? msg = null, re = null;
                    if (rest.StartsWith("msg:", StringComparison.Ordinal))
                    {
                        msg = rest[4..].Trim();
                    }
                    else if (rest.StartsWith("regex:", StringComparison.Ordinal))
                    {
                        re = ValidRegex(rest[6..].Trim());
                    }
                    else if (rest.Length > 0)
                    {
                        throw new FormatException($"expected 'msg:' or 'regex:' after 'expect {kind}', got '{rest}'");
                    }
                    var ek = kind == "fail" ? ExpectKind.Fail : kind == "warn" ? ExpectKind.Warn : ExpectKind.Info;
                    var e = new Expectation(ek, msg, re);
                    if (ek == ExpectKind.Fail)
                    {
                        if (cmd.Fail is not null)
                        {
                            throw new FormatException("at most one 'expect fail' per eval");
                        }
                        cmd.Fail = e;
                    }
                    else
                    {
                        (ek == ExpectKind.Warn ? cmd.Warn : cmd.Info).Add(e);
                    }
                    break;
                }
            case "no_warn":
            case "no_info":
            case "ordered":
                if (rest.Length > 0)
                {
                    throw new FormatException($"'expect {kind}' takes no arguments");
                }
                if (kind == "no_warn")
                {
                    cmd.NoWarn = true;
                }
                else if (kind == "no_info")
                {
                    cmd.NoInfo = true;
                }
                else
                {
                    cmd.Ordered = true;
                }
                break;
            case "range":
                {
                    if (cmd.Kind != EvalKind.Instant)
                    {
                        throw new FormatException("'expect range vector' is for instant evals only");
                    }
                    if (FirstWord(rest, out rest) != "vector")
                    {
                        throw new FormatException("expected 'expect range vector from A to B step S'");
                    }
                    long a = ParseTime(Keyword(ref rest, "from"), "range vector start");
                    long b = ParseTime(Keyword(ref rest, "to"), "range vector end");
                    long s = ParseTime(Keyword(ref rest, "step"), "range vector step");
                    if (rest.Length > 0 || b < a || s <= 0)
                    {
                        throw new FormatException("invalid 'expect range vector from A to B step S'");
                    }
                    cmd.RangeVector = new RangeVectorExpectation(a, b, s);
                    break;
                }
            case "string":
                {
                    if (cmd.Kind != EvalKind.Instant)
                    {
                        throw new FormatException("'expect string' is for instant evals only");
                    }
                    var c = new SeriesDescParser.Cursor(rest, 0);
                    if (c.Peek is not ('"' or '\'' or '`'))
                    {
                        throw new FormatException("expected a quoted string after 'expect string'");
                    }
                    cmd.String = SeriesDescParser.ReadQuoted(ref c);
                    if (!c.AtEnd)
                    {
                        throw new FormatException("unexpected text after the string");
                    }
                    break;
                }
            default:
                throw new FormatException($"unknown expectation 'expect {kind}'");
        }
        if ((cmd.NoWarn && cmd.Warn.Count > 0) || (cmd.NoInfo && cmd.Info.Count > 0))
        {
            throw new FormatException("'expect warn' and 'expect no_warn' (or info and no_info) contradict each other");
        }
    }

    private static string ValidRegex(string re)
    {
        try
        {
            _ = RegexFactory.Unanchored(re);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"invalid regex '{re}': {e.Message}");
        }
        return re;
    }

    /// <summary>Takes <c>keyword value</c> off the front of <paramref name="rest"/> and returns the value.</summary>
    private static string Keyword(ref string rest, string keyword)
    {
        if (FirstWord(rest, out string after) != keyword)
        {
            throw new FormatException($"expected '{keyword}'");
        }
        return FirstWord(after, out rest);
    }

    private static string RequireExpr(string rest) =>
        rest.Length > 0 ? rest : throw new FormatException("missing expression");

    private static long ParseTime(string text, string what)
    {
        try
        {
            return SeriesDescParser.ParseDurationMs(text);
        }
        catch (FormatException)
        {
            throw new FormatException($"invalid {what} '{text}' (a Prometheus duration such as 0, 5m, 10s53ms)");
        }
    }

    /// <summary>A data-line error found after the block was read: carries its own line.</summary>
    private sealed class FormatExceptionAtLine(int line, string message) : FormatException(message)
    {
        public int Line { get; } = line;
    }
}
