using System.Net.Http.Headers;
using Ariane.Tests.Remote;

namespace Ariane.Tests.Support;

/// <summary>Sends remote-write 1.0 requests (snappy-compressed protobuf) as Prometheus does.</summary>
public static class RemoteWriteClient
{
    /// <summary>Posts the series; returns the HTTP status code.</summary>
    public static async Task<int> SendAsync(HttpClient c, params (string[] Labels, (long T, double V)[] Samples)[] series) =>
        (await SendWithBodyAsync(c, series)).Code;

    /// <summary>Posts the series; returns the HTTP status code and the response body.</summary>
    public static async Task<(int Code, string Body)> SendWithBodyAsync(HttpClient c, params (string[] Labels, (long T, double V)[] Samples)[] series)
    {
        byte[] body = Snappier.Snappy.CompressToArray(RemoteWriteDecoderTests.Encode(series));
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        content.Headers.ContentEncoding.Add("snappy");
        using var req = new HttpRequestMessage(HttpMethod.Post, "/api/v1/write") { Content = content };
        req.Headers.Add("X-Prometheus-Remote-Write-Version", "0.1.0");
        using var r = await c.SendAsync(req);
        return ((int)r.StatusCode, await r.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Posts <paramref name="body"/> as it is (already compressed, or not) with the given Content-Type and
    /// Content-Encoding (null: no such header); returns the HTTP status code and the response body.
    /// </summary>
    public static async Task<(int Code, string Body)> SendRawAsync(HttpClient c, byte[] body, string? contentType = "application/x-protobuf", string? encoding = "snappy")
    {
        using var content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        if (encoding is not null)
        {
            content.Headers.ContentEncoding.Add(encoding);
        }
        using var req = new HttpRequestMessage(HttpMethod.Post, "/api/v1/write") { Content = content };
        req.Headers.Add("X-Prometheus-Remote-Write-Version", "0.1.0");
        using var r = await c.SendAsync(req);
        return ((int)r.StatusCode, await r.Content.ReadAsStringAsync());
    }
}
