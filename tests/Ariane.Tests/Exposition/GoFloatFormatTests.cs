using System.Globalization;
using System.Text;
using Ariane.PromQL.Ast;
using Ariane.Server.Cli;

namespace Ariane.Tests.Exposition;

/// <summary>
/// The Go float spellings of PromQL's printer and the CLI, now built on <see cref="Ariane.Exposition.ShortestFloat"/>,
/// checked against their former implementations over .NET's round-trip formatting (kept here as an independent
/// oracle) on random doubles of every magnitude.
/// </summary>
public class GoFloatFormatTests
{
    [Fact]
    public void SameAsTheFormerImplementationsOnRandomDoubles()
    {
        var rng = new Random(11);
        for (int i = 0; i < 200_000; i++)
        {
            double v = i switch
            {
                // Any bit pattern: every exponent, subnormals, NaNs and infinities.
                < 100_000 => BitConverter.Int64BitsToDouble(rng.NextInt64(long.MinValue, long.MaxValue)),
                // Short decimals around the thresholds of the exponent forms (1e-5, 1e-4, 1e6, 1e21).
                < 150_000 => Math.Round(rng.NextDouble() * 1000, rng.Next(0, 6)) * Math.Pow(10, rng.Next(-8, 24)),
                // Integers, small and large.
                _ => (double)rng.NextInt64(-1L << 62, 1L << 62) / (1L << rng.Next(0, 62)),
            };
            Check(v);
        }
        foreach (double v in new[] { 0.0, -0.0, 1e-4, 9.999999999999999e-5, 1e21, 9.999999999999999e20, 1e6, 999999.9999999999, 5e-324, double.MaxValue, double.MinValue, double.Epsilon, 0.1 + 0.2 })
        {
            Check(v);
        }
    }

    private static void Check(double v)
    {
        var o = new StringBuilder();
        var n = new StringBuilder();
        Former.AppendFloat(o, v);
        PromQLFormat.AppendFloat(n, v);
        Assert.Equal(o.ToString(), n.ToString());
        o.Clear();
        n.Clear();
        Former.AppendFillValue(o, v);
        PromQLFormat.AppendFillValue(n, v);
        Assert.Equal(o.ToString(), n.ToString());
        Assert.Equal(Former.FloatG(v), GoFormat.FloatG(v));
    }

    /// <summary>The former implementations, over .NET's <c>"R"</c> formatting.</summary>
    private static class Former
    {
        /// <summary>Appends a float like Go's <c>strconv.FormatFloat(v, 'f', -1, 64)</c>: shortest digits, never an exponent.</summary>
        public static void AppendFloat(StringBuilder sb, double v)
        {
            if (double.IsNaN(v))
            {
                sb.Append("NaN");
                return;
            }
            if (double.IsInfinity(v))
            {
                sb.Append(v > 0 ? "+Inf" : "-Inf");
                return;
            }
            string r = v.ToString("R", CultureInfo.InvariantCulture);
            int e = r.IndexOf('E', StringComparison.Ordinal);
            if (e < 0)
            {
                sb.Append(r);
                return;
            }
            // Expand d.dddE±x into plain positional notation.
            bool neg = r[0] == '-';
            string mant = r.Substring(neg ? 1 : 0, e - (neg ? 1 : 0));
            int exp = int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            int dot = mant.IndexOf('.', StringComparison.Ordinal);
            string digits = dot < 0 ? mant : mant.Remove(dot, 1);
            int intLen = (dot < 0 ? mant.Length : dot) + exp;
            if (neg)
            {
                sb.Append('-');
            }
            if (intLen <= 0)
            {
                sb.Append("0.").Append('0', -intLen).Append(digits);
            }
            else if (intLen >= digits.Length)
            {
                sb.Append(digits).Append('0', intLen - digits.Length);
            }
            else
            {
                sb.Append(digits, 0, intLen).Append('.').Append(digits, intLen, digits.Length - intLen);
            }
        }

        /// <summary>Appends a float like Go's <c>%v</c> (shortest, exponent form outside [1e-4, 1e21)).</summary>
        public static void AppendFillValue(StringBuilder sb, double v)
        {
            double a = Math.Abs(v);
            if (double.IsFinite(v) && v != 0 && (a < 1e-4 || a >= 1e21))
            {
                string r = v.ToString("R", CultureInfo.InvariantCulture);
                int e = r.IndexOf('E', StringComparison.Ordinal);
                if (e < 0)
                {
                    r = v.ToString("E16", CultureInfo.InvariantCulture);
                    e = r.IndexOf('E', StringComparison.Ordinal);
                }
                int exp = int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                sb.Append(r, 0, e).Append('e').Append(exp < 0 ? '-' : '+');
                int ae = Math.Abs(exp);
                if (ae < 10)
                {
                    sb.Append('0');
                }
                sb.Append(ae.ToString(CultureInfo.InvariantCulture));
                return;
            }
            AppendFloat(sb, v);
        }

        /// <summary>The former <c>GoFormat.FloatG</c>.</summary>
        public static string FloatG(double v)
        {
            if (double.IsNaN(v))
            {
                return "NaN";
            }
            if (double.IsInfinity(v))
            {
                return v > 0 ? "+Inf" : "-Inf";
            }
            bool neg = double.IsNegative(v);
            var (digits, dp) = ShortestDigits(Math.Abs(v));
            var sb = new StringBuilder();
            if (neg)
            {
                sb.Append('-');
            }
            int exp = dp - 1;
            if (digits.Length > 0 && (exp < -4 || exp >= 6))
            {
                sb.Append(digits[0]);
                if (digits.Length > 1)
                {
                    sb.Append('.').Append(digits, 1, digits.Length - 1);
                }
                sb.Append('e').Append(exp < 0 ? '-' : '+');
                int ae = Math.Abs(exp);
                sb.Append(ae < 10 ? "0" : "").Append(ae.ToString(CultureInfo.InvariantCulture));
                return sb.ToString();
            }
            if (digits.Length == 0)
            {
                return sb.Append('0').ToString();
            }
            if (dp <= 0)
            {
                sb.Append("0.").Append('0', -dp).Append(digits);
            }
            else if (dp >= digits.Length)
            {
                sb.Append(digits).Append('0', dp - digits.Length);
            }
            else
            {
                sb.Append(digits, 0, dp).Append('.').Append(digits, dp, digits.Length - dp);
            }
            return sb.ToString();
        }

        // The shortest round-trip decimal digits of a finite non-negative value (no leading or trailing zeros) and
        // the position of the decimal point relative to them (value = 0.digits × 10^dp).
        private static (string Digits, int Dp) ShortestDigits(double a)
        {
            if (a == 0)
            {
                return ("", 0);
            }
            string r = a.ToString("R", CultureInfo.InvariantCulture);
            int e = r.IndexOfAny(['E', 'e']);
            int exp10 = 0;
            string mant = r;
            if (e >= 0)
            {
                exp10 = int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                mant = r[..e];
            }
            int dot = mant.IndexOf('.', StringComparison.Ordinal);
            string all = dot < 0 ? mant : mant.Remove(dot, 1);
            int dp = (dot < 0 ? mant.Length : dot) + exp10;
            int lead = 0;
            while (lead < all.Length - 1 && all[lead] == '0')
            {
                lead++;
            }
            all = all[lead..];
            dp -= lead;
            return (all.TrimEnd('0'), dp);
        }
    }
}
