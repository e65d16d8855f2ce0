using Ariane.Tests.PromQL.PromQLTest;

namespace Ariane.Tests.PromQL;

/// <summary>
/// promqltest scripts for float behaviour that the conformance files only exercise next to native histograms
/// (limit.test loads histograms in the same block, so the runner skips it): the float part, adapted.
/// </summary>
public class EngineScriptTests
{
    private static void Run(string text)
    {
        var report = ScriptRunner.Run(ScriptParser.Parse("inline.test", text.Replace("bar 0 1 0 -1 0 1 0 -1 0 1 0\n", "bar 0 1 0 -1 0 1 0 -1 0 1 0\n\n", StringComparison.Ordinal)), new ArianeTestEngine());
        Assert.True(report.Ok, report.Problems());
        Assert.All(report.Evals, e => Assert.Equal(EvalOutcome.Passed, e.Outcome));
    }

    private const string LimitLoad = """
        load 5m
        	http_requests{job="api-server", instance="0", group="production"}	0+10x10
        	http_requests{job="api-server", instance="1", group="production"}	0+20x10
        	http_requests{job="api-server", instance="0", group="canary"}		0+30x10
        	http_requests{job="api-server", instance="1", group="canary"}		0+40x10
        	http_requests{job="api-server", instance="2", group="canary"}		0+50x10
        	http_requests{job="api-server", instance="3", group="canary"}		0+60x10
        	foo 1+1x10
        	bar 0 1 0 -1 0 1 0 -1 0 1 0

        """;

    [Fact]
    public void Limitk() => Run(LimitLoad + """
        eval instant at 50m count(limitk by (group) (0, http_requests))
            expect no_info
            expect no_warn

        eval instant at 50m count(limitk by (group) (1, http_requests) and http_requests)
            {} 2

        eval instant at 50m count(limitk by (group) (2, http_requests) and http_requests)
            {} 4

        eval instant at 50m count(limitk(100, http_requests) and http_requests)
            {} 6

        eval instant at 50m limitk(8, http_requests{instance="0"})
            {__name__="http_requests", group="production", instance="0", job="api-server"} 100
            {__name__="http_requests", group="canary", instance="0", job="api-server"} 300

        eval range from 0m to 50m step 5m count(limitk(scalar(foo), http_requests))
        	{} 1 2 3 4 5 6 6 6 6 6 6

        eval range from 0 to 50m step 5m count(limitk(2, http_requests) and http_requests)
            {} 2+0x10
        """);

    [Fact]
    public void LimitRatio() => Run(LimitLoad + """
        eval range from 0 to 50m step 5m count(limit_ratio(0.0, http_requests))

        eval range from 0 to 50m step 5m count(limit_ratio(1.0, http_requests) and http_requests)
            {} 6+0x10

        eval range from 0 to 50m step 5m count(limit_ratio(-1.0, http_requests) and http_requests)
            {} 6+0x10

        eval range from 0 to 50m step 5m count(limit_ratio(1.1, http_requests) and http_requests)
        	expect warn msg: PromQL warning: ratio value should be between -1 and 1, got 1.1, capping to 1 (1:19)
            {} 6+0x10

        eval range from 0 to 50m step 5m count(limit_ratio(-1.1, http_requests) and http_requests)
        	expect warn msg: PromQL warning: ratio value should be between -1 and 1, got -1.1, capping to -1 (1:19)
            {} 6+0x10

        eval range from 0 to 50m step 5m count(limit_ratio(0.2, http_requests) or limit_ratio(-0.8, http_requests))
            {} 6+0x10

        eval range from 0 to 50m step 5m count(limit_ratio(0.2, http_requests) and limit_ratio(-0.8, http_requests))

        eval range from 0 to 50m step 5m count(limit_ratio(0.5, http_requests) or limit_ratio(-0.5, http_requests))
            {} 6+0x10

        eval range from 0 to 50m step 5m count(limit_ratio(0.5, http_requests) and limit_ratio(-0.5, http_requests))

        eval range from 0 to 50m step 5m count(limit_ratio(time() % 17/17, http_requests) or limit_ratio( - (1.0 - (time() % 17/17)), http_requests))
            {} 6+0x10

        eval range from 0 to 50m step 5m count(limit_ratio(time() % 17/17, http_requests) and limit_ratio( - (1.0 - (time() % 17/17)), http_requests))

        eval range from 0m to 50m step 5m count(limit_ratio(scalar(bar), http_requests))
        	{} _ 6 _ 6 _ 6 _ 6 _ 6 _
        """);

    [Fact]
    public void TopkOrdersInstantResultsAndKeepsSeriesInRanges() => Run(LimitLoad + """
        eval_ordered instant at 50m topk(3, http_requests)
            http_requests{job="api-server", instance="3", group="canary"} 600
            http_requests{job="api-server", instance="2", group="canary"} 500
            http_requests{job="api-server", instance="1", group="canary"} 400

        eval_ordered instant at 50m bottomk(2, http_requests)
            http_requests{job="api-server", instance="0", group="production"} 100
            http_requests{job="api-server", instance="1", group="production"} 200

        eval range from 5m to 10m step 5m topk(1, http_requests)
            http_requests{job="api-server", instance="3", group="canary"} 60 120

        eval instant at 50m count_values("value", http_requests / 100)
            {value="1"} 1
            {value="2"} 1
            {value="3"} 1
            {value="4"} 1
            {value="5"} 1
            {value="6"} 1
        """);
}
