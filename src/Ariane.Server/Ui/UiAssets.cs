using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;

namespace Ariane.Server.Ui;

/// <summary>
/// The web app's built files (<c>web/dist</c>, made by Vite and precompressed by <c>web/scripts/compress.mjs</c>),
/// embedded in the server binary as resources named <c>ui/&lt;path&gt;</c>: each file with its gzip and Brotli copies,
/// its content type and an ETag. Read once at start; nothing is read from disk or fetched from outside afterwards.
/// </summary>
public sealed class UiAssets
{
    private const string Prefix = "ui/";

    private readonly FrozenDictionary<string, UiAsset> _files;

    private UiAssets(FrozenDictionary<string, UiAsset> files)
    {
        _files = files;
    }

    /// <summary>The app's entry page, or null when the binary was built without the web app.</summary>
    public UiAsset? Index => _files.GetValueOrDefault("index.html");

    /// <summary>The number of files (not counting compressed copies).</summary>
    public int Count => _files.Count;

    /// <summary>The file at <paramref name="path"/> (relative to <c>web/dist</c>, no leading slash), or null.</summary>
    public UiAsset? Find(string path) => _files.GetValueOrDefault(path);

    /// <summary>Loads the files embedded in <paramref name="assembly"/> (the server's own by default).</summary>
    public static UiAssets Load(Assembly? assembly = null)
    {
        assembly ??= typeof(UiAssets).Assembly;
        var raw = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }
            using var s = assembly.GetManifestResourceStream(name)!;
            using var ms = new MemoryStream((int)s.Length);
            s.CopyTo(ms);
            raw[name[Prefix.Length..].Replace('\\', '/')] = ms.ToArray();
        }
        var files = new Dictionary<string, UiAsset>(StringComparer.Ordinal);
        foreach (var (path, bytes) in raw)
        {
            if (path.EndsWith(".gz", StringComparison.Ordinal) || path.EndsWith(".br", StringComparison.Ordinal))
            {
                continue;
            }
            files[path] = new UiAsset(
                path,
                ContentType(path),
                bytes,
                raw.GetValueOrDefault(path + ".gz"),
                raw.GetValueOrDefault(path + ".br"),
                "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 12)) + "\"");
        }
        return new UiAssets(files.ToFrozenDictionary(StringComparer.Ordinal));
    }

    private static string ContentType(string path) => Path.GetExtension(path) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".json" => "application/json",
        ".png" => "image/png",
        ".ico" => "image/x-icon",
        ".woff2" => "font/woff2",
        ".txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
}

/// <summary>One built file of the web app, with its precompressed copies (null where the build made none).</summary>
public sealed record UiAsset(string Path, string ContentType, byte[] Identity, byte[]? Gzip, byte[]? Brotli, string ETag);
