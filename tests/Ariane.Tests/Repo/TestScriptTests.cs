using System.Diagnostics;
using Ariane.Tests.Support;

namespace Ariane.Tests.Repo;

/// <summary>
/// test.sh runs on shared machines: it must not end processes it did not start, and the packages it installs must
/// not start services (Debian's prometheus and node_exporter start daemons on install).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class TestScriptTests
{
    private static string Script => Path.Combine(TestPaths.RepoRoot, "test.sh");

    [Fact]
    public void Test_sh_ends_no_process_by_name()
    {
        foreach (string line in File.ReadAllLines(Script))
        {
            string code = line.TrimStart();
            if (code.StartsWith('#'))
            {
                continue;
            }
            Assert.DoesNotContain("pkill", code, StringComparison.Ordinal);
            Assert.DoesNotContain("killall", code, StringComparison.Ordinal);
            Assert.DoesNotContain("systemctl stop", code, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Apt_install_forbids_service_starts_during_the_install_and_removes_its_policy_after()
    {
        using var dir = new TempDir();
        string bin = Path.Combine(dir.Path, "bin");
        Directory.CreateDirectory(bin);
        string policy = Path.Combine(dir.Path, "policy-rc.d");
        string log = Path.Combine(dir.Path, "apt.log");
        // A fake apt-get that records what a package's maintainer script would get from the policy: 101 forbids.
        string fake = Path.Combine(bin, "apt-get");
        await File.WriteAllTextAsync(fake, $"#!/bin/sh\nif [ -x '{policy}' ]; then '{policy}' prometheus start; echo \"policy=$?\" >> '{log}'; else echo policy=none >> '{log}'; fi\n", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        Assert.Equal(0, await RunAptInstall(bin, policy));
        Assert.Equal("policy=101", (await File.ReadAllTextAsync(log, TestContext.Current.CancellationToken)).Trim());
        Assert.False(File.Exists(policy), "the policy made for the install is removed after it");

        // A policy that was there before (a container's) is used and left as it was.
        File.Delete(log);
        await File.WriteAllTextAsync(policy, "#!/bin/sh\nexit 0\n", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(policy, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Assert.Equal(0, await RunAptInstall(bin, policy));
        Assert.Equal("policy=0", (await File.ReadAllTextAsync(log, TestContext.Current.CancellationToken)).Trim());
        Assert.Equal("#!/bin/sh\nexit 0\n", await File.ReadAllTextAsync(policy, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_skipped_tests_are_listed_with_their_reasons_from_the_trx_file()
    {
        using var dir = new TempDir();
        string trx = Path.Combine(dir.Path, "results.trx");
        await File.WriteAllTextAsync(trx, """
            <?xml version="1.0" encoding="utf-8"?>
            <TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
              <Results>
                <UnitTestResult testName="A.Ran" outcome="Passed" />
                <UnitTestResult testName="A.NeedsRoot" outcome="NotExecuted">
                  <Output><ErrorInfo><Message>not root: the test mounts a tmpfs &amp; needs
            root</Message></ErrorInfo></Output>
                </UnitTestResult>
                <UnitTestResult testName="A.NoReason" outcome="NotExecuted" />
              </Results>
            </TestRun>
            """, TestContext.Current.CancellationToken);
        string body = ExtractFunction(await File.ReadAllTextAsync(Script, TestContext.Current.CancellationToken), "print_skipped");
        var psi = new ProcessStartInfo("/bin/bash") { RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        await p.StandardInput.WriteAsync(body + $"\nprint_skipped '{trx}'\n");
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        string err = await p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await p.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.True(p.ExitCode == 0, err);
        Assert.Equal("  A.NeedsRoot: not root: the test mounts a tmpfs & needs root\n  A.NoReason: (no reason given)\n", await stdout);
    }

    // Runs test.sh's apt_install function alone (extracted from the script) with the fake apt-get first on PATH.
    private static async Task<int> RunAptInstall(string bin, string policy)
    {
        string body = ExtractFunction(await File.ReadAllTextAsync(Script), "apt_install");
        var psi = new ProcessStartInfo("/bin/bash") { RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true };
        psi.Environment["PATH"] = bin + ":/usr/bin:/bin";
        psi.Environment["ARIANE_POLICY_RC_D"] = policy;
        using var p = Process.Start(psi)!;
        await p.StandardInput.WriteAsync("sudo=\"\"\n" + body + "\napt_install some-package\n");
        p.StandardInput.Close();
        string err = await p.StandardError.ReadToEndAsync();
        await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(p.ExitCode == 0, err);
        return p.ExitCode;
    }

    private static string ExtractFunction(string script, string name)
    {
        int start = script.IndexOf("\n" + name + "() {", StringComparison.Ordinal);
        Assert.True(start >= 0, $"test.sh has no function {name}");
        int end = script.IndexOf("\n}\n", start, StringComparison.Ordinal);
        return script[(start + 1)..(end + 3)];
    }
}
