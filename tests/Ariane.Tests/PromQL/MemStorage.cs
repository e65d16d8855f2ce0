using Ariane.Model;
using Ariane.Storage;

namespace Ariane.Tests.PromQL;

/// <summary>An in-memory storage for engine tests: series with samples (and start timestamps), selected by matchers.</summary>
internal sealed class MemStorage : IQuerierSource
{
    public List<(Labels Labels, List<(long T, double V, long St)> Samples)> Series { get; } = [];

    public int QuerierCalls { get; private set; }

    public Action? OnSelect { get; init; }

    public MemStorage Add(Labels labels, params (long T, double V)[] samples)
    {
        Series.Add((labels, samples.Select(p => (p.T, p.V, 0L)).ToList()));
        return this;
    }

    /// <summary>Adds a series whose samples carry start timestamps (0: none).</summary>
    public MemStorage AddWithSt(Labels labels, params (long T, double V, long St)[] samples)
    {
        Series.Add((labels, [.. samples]));
        return this;
    }

    public IQuerier Querier(long mint, long maxt)
    {
        QuerierCalls++;
        return new MemQuerier(this, mint, maxt);
    }

    private sealed class MemQuerier(MemStorage s, long mint, long maxt) : IQuerier
    {
        public ISeriesSet Select(bool sorted, params ReadOnlySpan<LabelMatcher> matchers)
        {
            s.OnSelect?.Invoke();
            var ms = matchers.ToArray();
            var list = s.Series.Where(x => ms.All(m => m.Matches(x.Labels.Get(m.Name))))
                .Select(x => (ISeries)new MemSeries(x.Labels, x.Samples.Where(p => p.T >= mint && p.T <= maxt).ToList()))
                .ToList();
            return new MemSet(list);
        }

        public IReadOnlyList<string> LabelValues(string name, params ReadOnlySpan<LabelMatcher> matchers) => [];

        public IReadOnlyList<string> LabelNames(params ReadOnlySpan<LabelMatcher> matchers) => [];

        public void Dispose()
        {
        }
    }

    private sealed class MemSet(List<ISeries> list) : ISeriesSet
    {
        private int _i = -1;

        public ISeries Current => list[_i];

        public bool MoveNext() => ++_i < list.Count;
    }

    private sealed class MemSeries(Labels labels, List<(long T, double V, long St)> samples) : ISeries
    {
        public Labels Labels => labels;

        public ISampleIterator Iterator(ISampleIterator? reuse = null) => new MemIterator(samples);
    }

    /// <summary>Steps through the samples; the bulk reads are the interface's defaults, built on these members.</summary>
    private sealed class MemIterator(List<(long T, double V, long St)> samples) : ISampleIterator
    {
        private int _i = -1;

        public long T => samples[_i].T;

        public double V => samples[_i].V;

        public long ST => samples[_i].St;

        public bool Next() => ++_i < samples.Count;

        public bool Seek(long t)
        {
            if (_i < 0)
            {
                _i = 0;
            }
            while (_i < samples.Count && samples[_i].T < t)
            {
                _i++;
            }
            return _i < samples.Count;
        }
    }
}
