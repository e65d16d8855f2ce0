using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Ariane.Server.Web;

/// <summary>
/// Checks HTTP basic-auth credentials against the web config's bcrypt hashes, as the exporter-toolkit does: results are
/// cached (100 entries, random eviction) so that bcrypt's deliberate cost is paid once per user and password rather than
/// per request; bcrypt runs one at a time so a flood of guesses cannot take every core; an unknown user is checked
/// against a dummy hash of the same cost as the real ones, so the answer's timing does not tell which users exist.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "One per WebSecurity, which lives as long as the process; nothing reads the semaphore's AvailableWaitHandle, so it holds no OS handle")]
public sealed class BasicAuthenticator
{
    private const int CacheSize = 100;

    private readonly Dictionary<string, bool> _cache = new(StringComparer.Ordinal);
    private readonly Lock _cacheGate = new();
    private readonly SemaphoreSlim _bcrypt = new(1, 1);
    private readonly Dictionary<int, string> _dummies = [];

    /// <summary>
    /// True when <paramref name="user"/> is among <paramref name="users"/> and <paramref name="password"/> matches its
    /// hash. <paramref name="maxCost"/> is the highest bcrypt cost among the users (the dummy hash's cost).
    /// </summary>
    public async ValueTask<bool> VerifyAsync(IReadOnlyDictionary<string, string> users, int maxCost, string user, string password, CancellationToken ct)
    {
        bool known = users.TryGetValue(user, out var hash);
        if (!known)
        {
            hash = Dummy(maxCost);
        }
        // The key binds user, hash and password, so a changed hash in the file is never answered from the cache; it is a
        // digest, so the cache holds no password in clear.
        string key = CacheKey(user, hash!, password);
        lock (_cacheGate)
        {
            if (_cache.TryGetValue(key, out bool cached))
            {
                return cached && known;
            }
        }
        bool ok;
        await _bcrypt.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ok = Verify(password, hash!);
        }
        finally
        {
            _bcrypt.Release();
        }
        ok &= known;
        lock (_cacheGate)
        {
            if (_cache.Count >= CacheSize)
            {
                Evict();
            }
            _cache[key] = ok;
        }
        return ok;
    }

    /// <summary>How many verifications are cached (at most 100).</summary>
    internal int CacheCount
    {
        get
        {
            lock (_cacheGate)
            {
                return _cache.Count;
            }
        }
    }

    private static bool Verify(string password, string hash)
    {
        try
        {
            return BCrypt.Net.BCrypt.Verify(password, hash);
        }
        catch (BCrypt.Net.SaltParseException)
        {
            return false;
        }
    }

    // Drops a tenth of the entries at random, as the toolkit: cheap, and no order an attacker could steer.
    private void Evict()
    {
        int drop = Math.Max(_cache.Count / 10, 1);
        var keys = new List<string>(_cache.Keys);
        for (int i = 0; i < drop && keys.Count > 0; i++)
        {
            int j = Random.Shared.Next(keys.Count);
            _cache.Remove(keys[j]);
            keys[j] = keys[^1];
            keys.RemoveAt(keys.Count - 1);
        }
    }

    internal string Dummy(int cost)
    {
        cost = Math.Clamp(cost, 4, 31);
        lock (_dummies)
        {
            if (!_dummies.TryGetValue(cost, out var d))
            {
                // A valid hash at cost 4 (about a millisecond to make) with its cost digits raised: checking a password
                // against it costs what checking against a real hash of that cost does.
                string h = BCrypt.Net.BCrypt.HashPassword(Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), 4);
                d = string.Concat(h.AsSpan(0, 4), cost.ToString("D2", System.Globalization.CultureInfo.InvariantCulture), h.AsSpan(6));
                _dummies[cost] = d;
            }
            return d;
        }
    }

    private static string CacheKey(string user, string hash, string password)
    {
        var bytes = Encoding.UTF8.GetBytes(string.Concat(user, "\0", hash, "\0", password));
        return Convert.ToHexString(SHA256.HashData(bytes));
    }

    /// <summary>Parses an <c>Authorization: Basic</c> header as Go's <c>Request.BasicAuth</c> does.</summary>
    public static bool TryParseBasic(string? header, out string user, out string password)
    {
        user = password = "";
        const string Prefix = "Basic ";
        if (header is null || header.Length < Prefix.Length || !header.AsSpan(0, Prefix.Length).Equals(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var b64 = header.AsSpan(Prefix.Length);
        byte[] buf = new byte[Base64.GetMaxDecodedFromUtf8Length(b64.Length)];
        if (!Convert.TryFromBase64Chars(b64, buf, out int n))
        {
            return false;
        }
        string text = Encoding.UTF8.GetString(buf, 0, n);
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return false;
        }
        user = text[..colon];
        password = text[(colon + 1)..];
        return true;
    }
}
