using System.Net;
using Ariane.Tests.Support;

namespace Ariane.Tests.Server;

/// <summary>The data folder's lock between real server processes, and the offline tools that rewrite a folder.</summary>
public class DataFolderLockTests
{
    [Fact]
    public async Task A_second_server_on_the_same_folder_exits_1_naming_the_first_ones_pid()
    {
        using var dir = new TempDir();
        await using (var first = await ServerProcess.StartAsync(dir.Path))
        {
            await using (var second = ServerProcess.Launch(dir.Path, ["serve"], [], out _))
            {
                Assert.Equal(1, await second.WaitExitAsync(TimeSpan.FromSeconds(60)));
                Assert.Contains($"in use by process {first.Pid}", second.Output);
            }
            // Restoring over a folder a server is running on is refused the same way.
            string archive = Path.Combine(dir.Path, "..", Path.GetFileName(dir.Path) + ".tar");
            await File.WriteAllTextAsync(archive, "not read", TestContext.Current.CancellationToken);
            try
            {
                await using var restore = ServerProcess.Launch(dir.Path, ["restore", archive, $"--storage.tsdb.path={dir.Path}", "--force"], [], out _, addDefaults: false);
                Assert.NotEqual(0, await restore.WaitExitAsync(TimeSpan.FromSeconds(60)));
                Assert.Contains($"in use by process {first.Pid}", restore.Output);
            }
            finally
            {
                File.Delete(archive);
            }
            // The first server is unharmed.
            using (var r = await first.Client.GetAsync("/-/ready", TestContext.Current.CancellationToken))
            {
                Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            }
            first.Signal(9); // the kernel drops the lock with the process, even without a clean stop
            await first.WaitExitAsync(TimeSpan.FromSeconds(30));
        }
        await using (var third = await ServerProcess.StartAsync(dir.Path))
        {
            Assert.True(File.Exists(Path.Combine(dir.Path, "lock")));
        }
    }
}
