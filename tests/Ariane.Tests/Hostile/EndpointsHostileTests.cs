using System.Diagnostics;
using System.Text;
using Ariane.Tests.Server;
using Ariane.Tests.Support;

namespace Ariane.Tests.Hostile;

/// <summary>
/// Hostile input to the endpoints of issue 10, item 16 (long URLs, remote-read bodies that lie, out-of-range limits):
/// each is refused with a 4xx within a few seconds and the server keeps answering.
/// </summary>
[Trait("Suite", "Hostile")]
public class EndpointsHostileTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private readonly SharedServer _shared = shared;

    [Fact]
    public async Task HostileRequestsAreRefusedAndTheServerStaysUp()
    {
        var s = await _shared.GetAsync();
        var report = new StringBuilder("Hostile input to /federate, /api/v1/read and the status endpoints (bound: 10 s each, server stays healthy)\n");

        async Task Try(string what, Func<Task<HttpResponseMessage>> send, int expected)
        {
            var sw = Stopwatch.StartNew();
            int code;
            try
            {
                using var r = await send();
                code = (int)r.StatusCode;
            }
            catch (HttpRequestException e)
            {
                code = -1;
                report.Append("  ").Append(what).Append(": connection error ").Append(e.Message).Append('\n');
            }
            sw.Stop();
            report.Append("  ").Append(what).Append(" -> ").Append(code).Append(" in ").Append(sw.ElapsedMilliseconds).Append(" ms\n");
            Assert.Equal(expected, code);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), what + " took " + sw.Elapsed);
            using var health = await s.Client.GetAsync("/-/healthy");
            Assert.True(health.IsSuccessStatusCode, "the server answers after " + what);
        }

        // A 2 MiB URL: over the 1 MiB request-line limit (what Go's server allows Prometheus).
        string huge = "/api/v1/query?query=up%23" + new string('x', 2 << 20);
        await Try("GET with a 2 MiB URL", () => s.Client.GetAsync(huge), 414);
        // Remote read: a body that is not snappy; one whose snappy header declares 2^31-1 bytes; an empty body.
        await Try("POST /api/v1/read, body not snappy", () => s.Client.PostAsync("/api/v1/read", new ByteArrayContent(Encoding.ASCII.GetBytes("hello, not snappy at all"))), 400);
        await Try("POST /api/v1/read, snappy length 2^31-1 declared, 3 bytes sent", () => s.Client.PostAsync("/api/v1/read", new ByteArrayContent([0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00, 0x01])), 400);
        // A ReadRequest whose query length field runs past the body.
        await Try("POST /api/v1/read, truncated protobuf", () => s.Client.PostAsync("/api/v1/read", new ByteArrayContent(Snappier.Snappy.CompressToArray(new byte[] { 0x0A, 0x7F, 0x08 }))), 400);
        // A regex matcher that does not compile.
        byte[] badRegex = [0x0A, 0x0D, 0x1A, 0x0B, 0x08, 0x02, 0x12, 0x01, (byte)'a', 0x1A, 0x04, (byte)'(', (byte)'(', (byte)'[', (byte)'x'];
        await Try("POST /api/v1/read, invalid regex matcher", () => s.Client.PostAsync("/api/v1/read", new ByteArrayContent(Snappier.Snappy.CompressToArray(badRegex))), 400);
        await Try("GET /api/v1/status/tsdb?limit=99999999999", () => s.Client.GetAsync("/api/v1/status/tsdb?limit=99999999999"), 400);
        await Try("GET /api/v1/targets/metadata?limit=99999999999", () => s.Client.GetAsync("/api/v1/targets/metadata?limit=99999999999"), 400);
        await Try("GET /federate?match[]={__name__=~\"(\"}", () => s.Client.GetAsync("/federate?match[]=" + Uri.EscapeDataString("{__name__=~\"(\"}")), 400);
        SuiteReport.Write("hostile-endpoints", report.ToString());
    }
}
