using System.Globalization;
using Ariane.Model;
using Ariane.PromQL.Parser;
using Microsoft.Extensions.Primitives;

namespace Ariane.Server.Api;

/// <summary>Reads API parameters from the query string or a form body, with Prometheus's error texts.</summary>
public static class ApiParams
{
    /// <summary>The earliest time the API accepts, in ms (Prometheus's MinTime).</summary>
    public const long MinTimeMs = -9223309901257974L;

    /// <summary>The latest time the API accepts, in ms (Prometheus's MaxTime).</summary>
    public const long MaxTimeMs = 9223309901257974L;

    /// <summary>All values of a parameter from the query string and, for POST forms, the body.</summary>
    public static async Task<StringValues> GetAllAsync(HttpContext ctx, string name)
    {
        var values = ctx.Request.Query[name];
        if (ctx.Request.HasFormContentType)
        {
            var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted).ConfigureAwait(false);
            values = StringValues.Concat(values, form[name]);
        }
        return values;
    }

    /// <summary>One parameter, or null when absent.</summary>
    public static async Task<string?> GetAsync(HttpContext ctx, string name)
    {
        var v = await GetAllAsync(ctx, name).ConfigureAwait(false);
        return v.Count > 0 ? v[0] : null;
    }

    /// <summary>Parses a time parameter (Unix seconds, fractional allowed, or RFC 3339) to milliseconds.</summary>
    public static long ParseTime(string? text, string param, long fallback)
    {
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double secs) && double.IsFinite(secs))
        {
            double ms = Math.Round(secs * 1000.0);
            if (ms < MinTimeMs || ms > MaxTimeMs)
            {
                throw new ApiException(ApiErrorType.BadData, $"invalid parameter \"{param}\": cannot parse \"{text}\" to a valid timestamp");
            }
            return (long)ms;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
        {
            return t.ToUnixTimeMilliseconds();
        }
        // Prometheus's own spellings of its minimum and maximum times are accepted by clients such as Grafana.
        if (text is "-292273086-05-16T16:47:06Z" or "0001-01-01T00:00:00Z")
        {
            return MinTimeMs;
        }
        if (text is "292277025-08-18T07:12:54.999999999Z")
        {
            return MaxTimeMs;
        }
        throw new ApiException(ApiErrorType.BadData, $"invalid parameter \"{param}\": cannot parse \"{text}\" to a valid timestamp");
    }

    /// <summary>Parses every match[] selector.</summary>
    public static List<LabelMatcher[]> ParseMatchers(StringValues matches)
    {
        var sets = new List<LabelMatcher[]>(matches.Count);
        foreach (var m in matches)
        {
            try
            {
                sets.Add(SelectorParser.Parse(m ?? ""));
            }
            catch (PromQLParseException e)
            {
                throw new ApiException(ApiErrorType.BadData, $"invalid parameter \"match[]\": {e.Message}");
            }
        }
        return sets;
    }

    /// <summary>Parses the optional limit parameter (0 = none).</summary>
    public static int ParseLimit(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < 0)
        {
            throw new ApiException(ApiErrorType.BadData, "invalid parameter \"limit\": limit must be a non-negative number");
        }
        return n;
    }
}
