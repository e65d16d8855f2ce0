using Ariane.Config;
using Ariane.Server.Web;

namespace Ariane.Tests.Server;

/// <summary>Basic-auth verification against bcrypt hashes, its cache and the parse of the Authorization header.</summary>
public sealed class BasicAuthenticatorTests
{
    private static readonly Dictionary<string, string> Users = new()
    {
        ["alice"] = BCrypt.Net.BCrypt.HashPassword("alice-pw", 5),
        ["bob"] = BCrypt.Net.BCrypt.HashPassword("bob-pw", 4),
    };

    [Fact]
    public async Task RightPasswordOnlyForItsUser()
    {
        var a = new BasicAuthenticator();
        Assert.True(await a.VerifyAsync(Users, 5, "alice", "alice-pw", TestContext.Current.CancellationToken));
        Assert.True(await a.VerifyAsync(Users, 5, "alice", "alice-pw", TestContext.Current.CancellationToken)); // from the cache
        Assert.False(await a.VerifyAsync(Users, 5, "alice", "bob-pw", TestContext.Current.CancellationToken));
        Assert.False(await a.VerifyAsync(Users, 5, "carol", "alice-pw", TestContext.Current.CancellationToken));
        Assert.False(await a.VerifyAsync(Users, 5, "Alice", "alice-pw", TestContext.Current.CancellationToken));
        Assert.False(await a.VerifyAsync(Users, 5, "alice", "", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AChangedHashIsNotAnsweredFromTheCache()
    {
        var a = new BasicAuthenticator();
        Assert.True(await a.VerifyAsync(Users, 5, "alice", "alice-pw", TestContext.Current.CancellationToken));
        var changed = new Dictionary<string, string>(Users) { ["alice"] = BCrypt.Net.BCrypt.HashPassword("new-pw", 4) };
        Assert.False(await a.VerifyAsync(changed, 5, "alice", "alice-pw", TestContext.Current.CancellationToken));
        Assert.True(await a.VerifyAsync(changed, 5, "alice", "new-pw", TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(10)]
    [InlineData(12)]
    public void UnknownUsersAreCheckedAgainstADummyOfTheUsersCost(int cost)
    {
        // The dummy costs what the real hashes cost, so the time of a refusal does not say whether the user exists.
        string d = new BasicAuthenticator().Dummy(cost);
        Assert.Equal(cost, WebConfigLoader.BcryptCost(d));
    }

    [Theory]
    [InlineData("Basic YWxpY2U6cHc6eA==", true, "alice", "pw:x")]
    [InlineData("basic YWxpY2U6cHc=", true, "alice", "pw")]
    [InlineData("Basic OnB3", true, "", "pw")]
    [InlineData("Basic YWxpY2U=", false, "", "")]
    [InlineData("Basic !!!", false, "", "")]
    [InlineData("Bearer YWxpY2U6cHc=", false, "", "")]
    [InlineData("Basic", false, "", "")]
    [InlineData(null, false, "", "")]
    public void ParsesTheHeaderAsGo(string? header, bool ok, string user, string password)
    {
        Assert.Equal(ok, BasicAuthenticator.TryParseBasic(header, out var u, out var p));
        Assert.Equal(user, u);
        Assert.Equal(password, p);
    }
}
