namespace Ariane.Tsdb.Chunks;

/// <summary>
/// The start-timestamp column of a chunk: one code per sample, in sample order, as an unsigned LEB128 varint,
/// each relative to its sample and the previous sample of the same chunk (a chunk decodes on its own):
/// <list type="bullet">
/// <item><c>0</c>: the sample has no start timestamp;</item>
/// <item><c>1</c>: the same start timestamp as the previous sample (a cumulative counter's usual case);</item>
/// <item><c>2</c>: the previous sample's timestamp (a delta series' usual case, OTel's "start = previous end");</item>
/// <item><c>k ≥ 3</c>: <c>T − zigzag⁻¹(k − 3)</c>, any other start time.</item>
/// </list>
/// So the two regular shapes take one byte per sample. Chunks without any start timestamp have no column at all.
/// </summary>
internal static class StartTimes
{
    /// <summary>Start timestamps further than this from their sample's time are dropped on append (they cannot be coded).</summary>
    public const long MaxDistance = 1L << 61;

    /// <summary>The start timestamp kept for a sample: <paramref name="st"/>, or 0 when it is too far from <paramref name="t"/> to encode.</summary>
    public static long Sanitize(long t, long st)
    {
        if (st == 0)
        {
            return 0;
        }
        long d = unchecked(t - st);
        // Overflowed or too far either way: drop it rather than store something else.
        return ((t ^ st) < 0 && (t ^ d) < 0) || d >= MaxDistance || d <= -MaxDistance ? 0 : st;
    }

    /// <summary>The code of a sample at <paramref name="t"/> with start <paramref name="st"/> after (prevT, prevSt); <paramref name="first"/> when it opens the chunk.</summary>
    public static ulong Code(long t, long st, long prevT, long prevSt, bool first)
    {
        if (st == 0)
        {
            return 0;
        }
        if (!first)
        {
            if (st == prevSt)
            {
                return 1;
            }
            if (st == prevT)
            {
                return 2;
            }
        }
        long d = t - st;
        return ((ulong)((d << 1) ^ (d >> 63))) + 3;
    }

    /// <summary>The start timestamp a code stands for (see <see cref="Code"/>).</summary>
    public static long FromCode(ulong code, long t, long prevT, long prevSt) => code switch
    {
        0 => 0,
        1 => prevSt,
        2 => prevT,
        _ => t - ((long)((code - 3) >> 1) ^ -(long)((code - 3) & 1)),
    };

    /// <summary>Encodes the column of <paramref name="ts"/>/<paramref name="sts"/> into <paramref name="dst"/> (at least 10 bytes a sample); returns its length.</summary>
    public static int Encode(ReadOnlySpan<long> ts, ReadOnlySpan<long> sts, Span<byte> dst)
    {
        int pos = 0;
        long prevT = 0, prevSt = 0;
        for (int i = 0; i < ts.Length; i++)
        {
            Varints.Write(dst, ref pos, Code(ts[i], sts[i], prevT, prevSt, i == 0));
            prevT = ts[i];
            prevSt = sts[i];
        }
        return pos;
    }

    /// <summary>True when any of <paramref name="sts"/> is set.</summary>
    public static bool Any(ReadOnlySpan<long> sts) => sts.ContainsAnyExcept(0L);

    /// <summary>
    /// Decodes the column <paramref name="codes"/> of the samples <paramref name="ts"/> into <paramref name="sts"/>
    /// (as long as <paramref name="ts"/>).
    /// </summary>
    /// <exception cref="InvalidDataException">The column holds fewer codes than samples.</exception>
    public static void Decode(ReadOnlySpan<byte> codes, ReadOnlySpan<long> ts, Span<long> sts)
    {
        int pos = 0;
        long prevT = 0, prevSt = 0;
        for (int i = 0; i < ts.Length; i++)
        {
            if (Varints.TryRead(codes, ref pos, out ulong code) != VarintStatus.Ok)
            {
                throw new InvalidDataException("start-timestamp column: truncated");
            }
            long st = i == 0 && code is 1 or 2 ? 0 : FromCode(code, ts[i], prevT, prevSt);
            sts[i] = st;
            prevT = ts[i];
            prevSt = st;
        }
    }
}
