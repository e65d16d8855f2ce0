// The table tab: an instant query at the panel's evaluation time, one row per series (virtualised, so 10,000 series
// draw as fast as 10), the value exactly as the server wrote it, the series count, query time, warnings and infos.

import { Alert, Group, Stack, Text, Tooltip } from "@mantine/core";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef } from "react";
import { api } from "../../api";
import { ApiErrorAlert, PageLoader } from "../../components/Status";
import { useApi } from "../../components/useApi";
import { formatTime } from "../../format";
import { resultSummary, type TableRow, tableRows } from "./series";
import { SeriesName } from "./SeriesName";
import classes from "./query.module.css";

export function TableView({ expr, time, tick }: { expr: string; time: number | null; tick: number }) {
  const state = useApi(
    async (signal) => {
      const t0 = performance.now();
      const at = time ?? Date.now() / 1000;
      const answer = await api.query(expr, at, signal);
      performance.mark("ariane:table:answered");
      return { answer, at, ms: Math.round(performance.now() - t0) };
    },
    [expr, time, tick],
  );
  const rows = useMemo(() => (state.data ? tableRows(state.data.answer.data) : []), [state.data]);

  if (state.error) return <ApiErrorAlert error={state.error} title="The query failed" />;
  if (!state.data) return <PageLoader what="the result" />;
  const { answer, at, ms } = state.data;
  return (
    <Stack gap="xs">
      <Group gap="md" justify="space-between" wrap="wrap">
        <Text size="sm" c="dimmed" data-testid="series-count" data-count={rows.length}>
          {resultSummary(answer.data)} at {formatTime(new Date(at * 1000))}
        </Text>
        <Text size="sm" c="dimmed" data-testid="query-time">
          {state.loading ? "refreshing…" : `answered in ${ms} ms`}
        </Text>
      </Group>
      <Notes warnings={answer.warnings} infos={answer.infos} />
      {rows.length === 0 ? (
        <Text c="dimmed" py="md" ta="center" data-testid="empty-result">
          No series matched at this time. Check the metric name and label values, or evaluate at another time.
        </Text>
      ) : (
        <Rows rows={rows} />
      )}
    </Stack>
  );
}

/** The server's warnings and infos about the query, as it wrote them. */
export function Notes({ warnings, infos }: { warnings: string[]; infos: string[] }) {
  return (
    <>
      {warnings.map((w, i) => (
        <Alert key={`w${i}`} color="yellow" title="Warning" data-testid="query-warning" py="xs">
          <Text size="sm" style={{ overflowWrap: "anywhere" }}>
            {w}
          </Text>
        </Alert>
      ))}
      {infos.map((w, i) => (
        <Alert key={`i${i}`} color="blue" title="Note" data-testid="query-info" py="xs">
          <Text size="sm" style={{ overflowWrap: "anywhere" }}>
            {w}
          </Text>
        </Alert>
      ))}
    </>
  );
}

function Rows({ rows }: { rows: TableRow[] }) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 36,
    overscan: 12,
  });
  const scalar = rows.length === 1 && rows[0].metric === undefined;
  // For benchmarks: "ariane:table:drawn" minus "ariane:table:answered" is the time from the answer to the drawn rows.
  useEffect(() => {
    const id = requestAnimationFrame(() => performance.mark("ariane:table:drawn"));
    return () => cancelAnimationFrame(id);
  }, [rows]);
  return (
    <div role="table" aria-label="Query result" aria-rowcount={rows.length}>
      <div className={classes.tableHeader} role="row">
        <span role="columnheader" style={{ flex: 1 }}>
          {scalar ? "Result" : "Series"}
        </span>
        <span role="columnheader">Value</span>
      </div>
      <div
        ref={scroller}
        className={classes.tableScroll}
        style={{ height: Math.min(virtual.getTotalSize() + 1, 641), borderTop: 0, borderRadius: "0 0 4px 4px" }}
        data-testid="result-table"
      >
        <div style={{ height: virtual.getTotalSize(), position: "relative" }}>
          {virtual.getVirtualItems().map((item) => {
            const r = rows[item.index];
            return (
              <div
                key={r.key}
                ref={virtual.measureElement}
                data-index={item.index}
                className={classes.row}
                style={{ transform: `translateY(${item.start}px)` }}
                role="row"
                aria-rowindex={item.index + 1}
                data-testid="table-row"
              >
                <div className={classes.seriesCell} role="cell" data-testid="row-series">
                  {r.metric ? (
                    <SeriesName metric={r.metric} />
                  ) : (
                    <Text span fz="sm" c="dimmed">
                      {r.kind ?? "value"}
                    </Text>
                  )}
                </div>
                <Tooltip
                  label={
                    (r.time !== undefined ? `sample at ${formatTime(new Date(r.time * 1000))}` : "") +
                    (r.buckets !== undefined ? `, ${r.buckets} buckets` : "") +
                    (r.samples !== undefined ? `, the last of ${r.samples}` : "")
                  }
                  disabled={r.time === undefined}
                  openDelay={400}
                >
                  <div className={classes.valueCell} role="cell" data-testid="row-value">
                    {r.value}
                  </div>
                </Tooltip>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
