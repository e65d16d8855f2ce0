using System.Diagnostics;
using System.Text;
using Ariane.Server.Web;
using Ariane.Tests.Support;

namespace Ariane.Tests.Hostile;

/// <summary>
/// Hostile input to basic authentication: floods of distinct guesses, huge and malformed headers. The verification cache
/// stays bounded, and nothing is answered as authenticated.
/// </summary>
[Trait("Suite", "Hostile")]
public sealed class WebAuthHostileTests
{
    private static readonly Dictionary<string, string> Users = new() { ["admin"] = BCrypt.Net.BCrypt.HashPassword("right", 4) };

    [Fact]
    public async Task GuessFloodsAndMalformedHeadersStayBoundedAndRefused()
    {
        var report = new StringBuilder();
        var a = new BasicAuthenticator();

        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 250; i++)
        {
            Assert.False(await a.VerifyAsync(Users, 4, i % 2 == 0 ? "admin" : "user" + i, "guess-" + i, TestContext.Current.CancellationToken));
        }
        Assert.True(a.CacheCount <= 100, $"cache holds {a.CacheCount}");
        report.AppendLine($"250 distinct wrong passwords (half for unknown users): all refused, cache {a.CacheCount} entries (bound 100), {sw.ElapsedMilliseconds} ms");

        var huge = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + new string('x', 1 << 20)));
        sw.Restart();
        Assert.True(BasicAuthenticator.TryParseBasic(huge, out var u, out var p));
        Assert.False(await a.VerifyAsync(Users, 4, u, p, TestContext.Current.CancellationToken));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30));
        report.AppendLine($"1 MiB password: refused in {sw.ElapsedMilliseconds} ms (bcrypt reads 72 bytes)");

        // bcrypt only reads the first 72 bytes: a password that shares them with the right one is a known limit of
        // bcrypt (and of Go's), not a bypass of shorter passwords.
        foreach (var h in new[] { "Basic", "Basic ", "Basic ====", "Basic " + new string('A', 1 << 16), "Basic\u0000YWRtaW46cmlnaHQ=", "Digest admin", "Basic YWRtaW4=" })
        {
            bool parsed = BasicAuthenticator.TryParseBasic(h, out var hu, out var hp);
            bool ok = parsed && await a.VerifyAsync(Users, 4, hu, hp, TestContext.Current.CancellationToken);
            Assert.False(ok);
            report.AppendLine($"Authorization: {(h.Length > 40 ? h[..40] + $"... ({h.Length} chars)" : h.Replace("\u0000", "\\0", StringComparison.Ordinal))} -> refused (parsed={parsed})");
        }
        Assert.True(await a.VerifyAsync(Users, 4, "admin", "right", TestContext.Current.CancellationToken));
        report.AppendLine("admin with the right password after all of it: accepted");
        SuiteReport.Write("hostile-webauth", report.ToString());
    }
}
