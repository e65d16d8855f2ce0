import { Box, Button, Text, useComputedColorScheme } from "@mantine/core";
import { IconZoomReset } from "@tabler/icons-react";
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { RangeSeries } from "../../api";
import { alignSeries, distinguishingNames, formatInstant, logGridFilter, formatTicks, seriesColor, seriesName, stackBelow, stackColumns } from "./graphData";
import { formatValue } from "./units";

export interface TimeSeriesGraphProps {
  series: RangeSeries[];
  /** The query's range and step, unix seconds. */
  start: number;
  end: number;
  step: number;
  stacked: boolean;
  logScale: boolean;
  utc: boolean;
  /** "" (plain), "bytes", "seconds", "percent" or "percentunit": see units.ts. */
  unit?: string;
  /** The plot's height in CSS pixels (the legend comes below it). */
  height?: number;
  /** A range was selected by dragging (or "Reset zoom" went back to the range before the first zoom). */
  onZoom?: (start: number, end: number) => void;
}

const AXIS_FONT = "13px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

/** Round to the millisecond: ranges handed to the page stay short in the URL. */
const ms = (t: number) => Math.round(t * 1000) / 1000;

/**
 * A range query's series drawn with uPlot: lines or stacked areas, gaps where a series has no sample, grid lines,
 * 24-hour time (local or UTC), values by unit, a log scale, a legend that toggles series, a tooltip with every shown
 * series' value sorted, and drag to zoom with a reset button.
 */
export function TimeSeriesGraph({
  series,
  start,
  end,
  step,
  stacked,
  logScale,
  utc,
  unit,
  height = 360,
  onZoom,
}: TimeSeriesGraphProps) {
  const dark = useComputedColorScheme("light", { getInitialValueInEffect: false }) === "dark";
  const wrapRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<HTMLDivElement>(null);
  const tipRef = useRef<HTMLDivElement>(null);
  const uRef = useRef<uPlot | null>(null);

  const names = useMemo(() => series.map((s) => seriesName(s.metric)), [series]);
  const shortNames = useMemo(() => distinguishingNames(series.map((s) => s.metric)), [series]);
  const aligned = useMemo(() => alignSeries(series, start, end, step, logScale), [series, start, end, step, logScale]);

  // Hidden series by name, so a refresh of the same query keeps the user's choice.
  const [hidden, setHidden] = useState<ReadonlySet<string>>(() => new Set());
  const shown = useMemo(() => names.map((n) => !hidden.has(n)), [names, hidden]);
  const plotted = useMemo(() => (stacked ? stackColumns(aligned.ys, shown) : aligned.ys), [stacked, aligned, shown]);

  // Zoom: the range dragged to (until the page's range follows it) and the page's range before the first zoom.
  const zoomRef = useRef<{ min: number; max: number } | null>(null);
  const originRef = useRef<{ start: number; end: number } | null>(null);
  const [zoomed, setZoomed] = useState(false);
  const onZoomRef = useRef(onZoom);
  onZoomRef.current = onZoom;

  // The page changed its range: if it follows our zoom, the data now covers it; anything else ends the zoom.
  const rangeRef = useRef({ start, end });
  if (rangeRef.current.start !== start || rangeRef.current.end !== end) {
    rangeRef.current = { start, end };
    const z = zoomRef.current;
    const near = (a: number, b: number) => Math.abs(a - b) <= Math.max(step, 1);
    if (z && near(z.min, start) && near(z.max, end)) {
      zoomRef.current = null;
    } else if (!z && originRef.current && near(originRef.current.start, start) && near(originRef.current.end, end)) {
      originRef.current = null;
    } else if (z || originRef.current) {
      zoomRef.current = null;
      originRef.current = null;
    }
  }
  useEffect(() => setZoomed(zoomRef.current !== null || originRef.current !== null), [start, end]);

  const focusRef = useRef<number | null>(null);
  const live = useRef({ aligned, names: shortNames, shown, unit, utc });
  live.current = { aligned, names: shortNames, shown, unit, utc };

  const showTooltip = useCallback((u: uPlot) => {
    const tip = tipRef.current;
    if (!tip) return;
    const idx = u.cursor.idx;
    const left = u.cursor.left ?? -1;
    const top = u.cursor.top ?? -1;
    if (idx == null || left < 0 || top < 0) {
      tip.style.display = "none";
      return;
    }
    const { aligned: a, names: n, shown: sh, unit: un, utc: z } = live.current;
    const rows: { j: number; v: number }[] = [];
    for (let j = 0; j < a.ys.length; j++) {
      if (!sh[j]) continue;
      const v = a.ys[j][idx];
      if (v !== null) rows.push({ j, v });
    }
    rows.sort((p, q) => q.v - p.v);
    const head = document.createElement("div");
    head.className = "ariane-tt-time";
    head.textContent = formatInstant(a.x[idx], z);
    const body = document.createElement("div");
    body.className = "ariane-tt-rows";
    const focused = focusRef.current;
    const els = rows.map((r) => {
      const row = document.createElement("div");
      row.className = "ariane-tt-row" + (focused === r.j + 1 ? " ariane-tt-focus" : "");
      const sw = document.createElement("span");
      sw.className = "ariane-tt-swatch";
      sw.style.background = seriesColor(r.j);
      const name = document.createElement("span");
      name.className = "ariane-tt-name";
      name.textContent = n[r.j];
      const val = document.createElement("span");
      val.className = "ariane-tt-value";
      val.textContent = formatValue(r.v, un);
      row.append(sw, name, val);
      return row;
    });
    const more = document.createElement("div");
    more.className = "ariane-tt-more";
    if (rows.length === 0) {
      const none = document.createElement("div");
      none.className = "ariane-tt-name";
      none.textContent = "no value at this time";
      els.push(none);
    }
    tip.replaceChildren(head, body);
    tip.style.display = "block";

    // Many series: columns of as many rows as fit the window, beside the cursor on its wider side when they fit there
    // (else over the plot: every value matters more); past four columns, the last line says how many are left out.
    const over = u.over.getBoundingClientRect();
    const side = Math.max(over.left + left, window.innerWidth - over.left - left) - 30;
    const perColumn = Math.max(4, Math.floor((window.innerHeight - 64) / 19));
    const layout = (columns: number) => {
      const fits = perColumn * columns;
      const listed = els.length > fits ? els.slice(0, fits - 1) : els;
      const multi = els.length > perColumn && columns > 1;
      body.style.gridTemplateRows = multi ? `repeat(${perColumn}, auto)` : "";
      body.style.gridAutoFlow = multi ? "column" : "row";
      if (listed.length < els.length) {
        more.textContent = `… and ${els.length - listed.length} more series (hide some in the legend to see them)`;
        body.replaceChildren(...listed, more);
      } else {
        body.replaceChildren(...listed);
      }
    };
    // Every value first: fewer columns only while that leaves no series out.
    let columns = Math.min(4, Math.ceil(els.length / perColumn));
    layout(columns);
    while (columns > 1 && tip.offsetWidth > side && (columns - 1) * perColumn >= els.length) layout(--columns);
    const w = tip.offsetWidth;
    const h = tip.offsetHeight;
    let x = over.left + left + 18;
    if (x + w > window.innerWidth - 8 && over.left + left > window.innerWidth / 2) x = over.left + left - 18 - w;
    if (x < 4) x = 4;
    let y = over.top + top + 18;
    if (y + h > window.innerHeight - 8) y = window.innerHeight - 8 - h;
    if (y < 4) y = 4;
    tip.style.left = `${x}px`;
    tip.style.top = `${y}px`;
  }, []);

  const zoomTo = useCallback((min: number, max: number) => {
    const u = uRef.current;
    if (!u || !(max > min)) return;
    if (!originRef.current) originRef.current = { ...rangeRef.current };
    zoomRef.current = { min, max };
    u.setScale("x", { min, max });
    setZoomed(true);
    onZoomRef.current?.(ms(min), ms(max));
  }, []);

  const resetZoom = useCallback(() => {
    const origin = originRef.current;
    zoomRef.current = null;
    originRef.current = null;
    setZoomed(false);
    const r = rangeRef.current;
    uRef.current?.setScale("x", { min: r.start, max: r.end });
    if (origin && (origin.start !== r.start || origin.end !== r.end)) onZoomRef.current?.(origin.start, origin.end);
  }, []);
  const resetRef = useRef(resetZoom);
  resetRef.current = resetZoom;

  // (Re)builds the plot when the data or the look changes. uPlot builds and draws 100 series × 1,000 points in about
  // 120–180 ms here (headless Chromium on a loaded 2-core machine), so rebuilding on a legend click in stacked mode
  // (the totals change) is simpler than keeping uPlot's state in sync; lines only toggle (effect below).
  // A layout effect: the plot is drawn before the browser paints, not a frame after.
  useLayoutEffect(() => {
    const el = plotRef.current;
    const wrap = wrapRef.current;
    if (!el || !wrap || series.length === 0) return;
    const t0 = performance.now();
    const axisColor = dark ? "#c1c2c5" : "#495057";
    const gridColor = dark ? "rgba(255,255,255,0.13)" : "rgba(0,0,0,0.10)";
    const below = stacked ? stackBelow(shown) : [];
    const many = series.length > 20;

    const seriesOpts: uPlot.Series[] = [{}];
    const bands: uPlot.Band[] = [];
    for (let j = 0; j < series.length; j++) {
      const color = seriesColor(j);
      const iso = aligned.isolated[j];
      const s: uPlot.Series = {
        label: names[j],
        stroke: color,
        width: many ? 1 : 1.5,
        spanGaps: false,
        show: shown[j],
        points: { show: false, filter: () => iso, size: 5, stroke: color, fill: color },
      };
      if (stacked) {
        s.fill = color + (dark ? "59" : "4d");
        if (below[j] >= 0) {
          bands.push({ series: [j + 1, below[j] + 1], fill: color + (dark ? "59" : "4d") });
          s.fill = undefined;
        } else {
          s.fillTo = () => 0;
        }
      }
      seriesOpts.push(s);
    }

    const opts: uPlot.Options = {
      width: wrap.clientWidth || 800,
      height,
      series: seriesOpts,
      bands,
      legend: { show: false },
      focus: { alpha: 0.35 },
      ...(utc ? { tzDate: (t: number) => uPlot.tzDate(new Date(t * 1000), "Etc/UTC") } : {}),
      cursor: {
        drag: { x: true, y: false, setScale: false },
        focus: { prox: 16 },
        points: { size: 7 },
        bind: {
          dblclick: () => () => {
            resetRef.current();
            return null;
          },
        },
      },
      scales: {
        x: { time: true },
        y: logScale
          ? { distr: 3, log: 10 }
          : stacked
            ? { range: (_u, min, max) => uPlot.rangeNum(Math.min(0, min), Math.max(0, max), 0.1, true) }
            : {},
      },
      axes: [
        {
          stroke: axisColor,
          font: AXIS_FONT,
          grid: { stroke: gridColor, width: 1 },
          ticks: { stroke: gridColor, width: 1 },
          space: 80,
          size: 52,
          values: (_u, splits, _i, _space, incr) => formatTicks(splits, incr, utc),
        },
        {
          stroke: axisColor,
          font: AXIS_FONT,
          grid: { stroke: gridColor, width: 1, ...(logScale ? { filter: (_u: uPlot, splits: number[]) => logGridFilter(splits) } : {}) },
          ticks: { stroke: gridColor, width: 1 },
          space: 36,
          values: (_u, splits) => splits.map((v) => (v == null ? "" : formatValue(v, unit))),
          size: (_u, values) => {
            let longest = 0;
            for (const v of values ?? []) longest = Math.max(longest, v.length);
            return Math.max(40, Math.ceil(longest * 7.6) + 22);
          },
        },
      ],
      hooks: {
        setCursor: [(u) => showTooltip(u)],
        setSeries: [
          (u, si, o) => {
            if (o && "focus" in o) {
              focusRef.current = o.focus && si != null ? si : null;
              showTooltip(u);
            }
          },
        ],
        setSelect: [
          (u) => {
            const { left, width } = u.select;
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            if (width < 4) return;
            zoomTo(u.posToVal(left, "x"), u.posToVal(left + width, "x"));
          },
        ],
        draw: [
          () => {
            if (wrap.dataset.drawMs === undefined) wrap.dataset.drawMs = (performance.now() - t0).toFixed(1);
          },
        ],
      },
    };
    delete wrap.dataset.drawMs;
    const data = [aligned.x, ...plotted] as unknown as uPlot.AlignedData;
    const u = new uPlot(opts, data, el);
    uRef.current = u;
    // The x grid spans start..end, so uPlot's own range is the query's; only a zoom needs setting (one more draw).
    const z = zoomRef.current;
    if (z) u.setScale("x", { min: z.min, max: z.max });
    const hideTip = () => {
      if (tipRef.current) tipRef.current.style.display = "none";
    };
    u.over.addEventListener("mouseleave", hideTip);
    return () => {
      u.over.removeEventListener("mouseleave", hideTip);
      u.destroy();
      if (uRef.current === u) uRef.current = null;
      hideTip();
    };
    // shown is in plotted for stacked graphs; for lines the visibility effect below applies it without a rebuild.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [aligned, plotted, names, stacked, logScale, utc, unit, height, dark, start, end, series.length, showTooltip, zoomTo]);

  // Lines: a legend click shows or hides a series without rebuilding the plot.
  useEffect(() => {
    const u = uRef.current;
    if (!u || stacked) return;
    u.batch(() => {
      shown.forEach((s, j) => {
        if (u.series[j + 1] && u.series[j + 1].show !== s) u.setSeries(j + 1, { show: s });
      });
    });
  }, [shown, stacked]);

  // Follow the container's width.
  useEffect(() => {
    const wrap = wrapRef.current;
    if (!wrap) return;
    const ro = new ResizeObserver(() => {
      const u = uRef.current;
      const w = wrap.clientWidth;
      if (u && w > 0 && Math.abs(u.width - w) > 1) u.setSize({ width: w, height });
    });
    ro.observe(wrap);
    return () => ro.disconnect();
  }, [height]);

  const onLegendClick = (name: string, only: boolean) => {
    setHidden((h) => {
      if (only) {
        const onlyThis = names.every((n) => (n === name ? !h.has(n) : h.has(n)));
        return onlyThis ? new Set() : new Set(names.filter((n) => n !== name));
      }
      const next = new Set(h);
      if (next.has(name)) next.delete(name);
      else next.add(name);
      return next;
    });
  };

  if (series.length === 0) {
    return (
      <Text c="dimmed" py="lg" ta="center" data-testid="graph-empty">
        The query returned no series for this range: nothing to draw. Widen the range or check the expression in the
        table view.
      </Text>
    );
  }

  return (
    <Box ref={wrapRef} pos="relative" data-testid="graph" data-series-count={series.length} className="ariane-graph">
      <style>{GRAPH_CSS}</style>
      {zoomed && (
        <Button
          size="xs"
          variant="default"
          leftSection={<IconZoomReset size={16} />}
          onClick={resetZoom}
          data-testid="graph-reset-zoom"
          style={{ position: "absolute", top: 4, right: 4, zIndex: 5 }}
        >
          Reset zoom
        </Button>
      )}
      <div ref={plotRef} aria-label="Graph of the query's series over time" role="img" />
      <div ref={tipRef} className="ariane-tt" data-testid="graph-tooltip" style={{ display: "none" }} />
      <div className="ariane-legend" data-testid="graph-legend" role="list" aria-label="Series">
        {names.map((name, j) => (
          <button
            type="button"
            key={name + j}
            role="listitem"
            className="ariane-legend-item"
            data-testid="graph-legend-item"
            data-hidden={!shown[j] || undefined}
            aria-pressed={shown[j]}
            title="Click: show or hide. Ctrl/Cmd/Shift+click: show only this series (again: show all)."
            onClick={(e) => onLegendClick(name, e.ctrlKey || e.metaKey || e.shiftKey)}
            onMouseEnter={() => {
              const u = uRef.current;
              if (u && shown[j]) u.setSeries(j + 1, { focus: true });
            }}
            onMouseLeave={() => {
              const u = uRef.current;
              if (u) u.setSeries(null, { focus: false });
            }}
          >
            <span className="ariane-legend-swatch" style={{ background: seriesColor(j) }} />
            <span className="ariane-legend-name">{name}</span>
          </button>
        ))}
      </div>
    </Box>
  );
}

// Theme-aware through Mantine's CSS variables (the canvas colours above follow the scheme too).
const GRAPH_CSS = `
.ariane-graph .u-select { background: var(--mantine-color-blue-filled); opacity: 0.15; }
.ariane-tt {
  position: fixed; z-index: 400; pointer-events: none; max-width: min(95vw, 1200px); overflow: hidden;
  background: var(--mantine-color-body); color: var(--mantine-color-text);
  border: 1px solid var(--mantine-color-default-border); border-radius: 6px;
  box-shadow: var(--mantine-shadow-md); padding: 6px 8px; font-size: 14px; line-height: 1.35;
}
.ariane-tt-time { font-weight: 600; margin-bottom: 4px; white-space: nowrap; }
.ariane-tt-rows { display: grid; column-gap: 16px; grid-auto-columns: minmax(0, auto); }
.ariane-tt-row { display: flex; align-items: center; gap: 6px; max-width: min(560px, calc(100vw - 40px)); min-width: 0; padding: 0 2px; border-radius: 3px; }
.ariane-tt-more { font-style: italic; color: var(--mantine-color-dimmed); white-space: nowrap; }
.ariane-tt-focus { background: var(--mantine-color-default-hover); font-weight: 700; }
.ariane-tt-swatch, .ariane-legend-swatch { flex: none; width: 12px; height: 12px; border-radius: 2px; }
.ariane-tt-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; flex: 1; font-family: var(--mantine-font-family-monospace); font-size: 14px; }
.ariane-tt-value { flex: none; margin-left: 8px; font-variant-numeric: tabular-nums; font-weight: 600; }
.ariane-legend { display: flex; flex-wrap: wrap; gap: 2px 4px; margin-top: 8px; max-height: 260px; overflow-y: auto; align-items: flex-start; }
.ariane-legend-item {
  display: flex; border: 0; background: none; color: inherit; font-family: inherit; cursor: pointer; align-items: flex-start; gap: 6px; padding: 2px 6px; border-radius: 4px; font-size: 14px;
  max-width: 100%; text-align: left; line-height: 1.35;
}
.ariane-legend-item:hover { background: var(--mantine-color-default-hover); }
.ariane-legend-item:focus-visible { outline: 2px solid var(--mantine-primary-color-filled); outline-offset: 1px; }
.ariane-legend-item .ariane-legend-swatch { margin-top: 4px; }
.ariane-legend-item[data-hidden] { opacity: 0.45; }
.ariane-legend-item[data-hidden] .ariane-legend-swatch { background: transparent !important; outline: 1px solid var(--mantine-color-dimmed); }
.ariane-legend-name { font-family: var(--mantine-font-family-monospace); overflow-wrap: anywhere; }
`;
