// The graph tab: a range query over the panel's range and end with its resolution, drawn by TimeSeriesGraph; the
// display options (lines/stacked, log scale, UTC, unit) and the pickers write the panel state (and so the URL).

import { Button, Group, SegmentedControl, Select, Stack, Switch, Text } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { IconZoomReset } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import { api } from "../../api";
import { TimeSeriesGraph } from "../../components/graph/TimeSeriesGraph";
import { ApiErrorAlert, PageLoader } from "../../components/Status";
import { useApi } from "../../components/useApi";
import { RangeInput, ResolutionInput, TimeInput } from "./controls";
import { formatDuration } from "./duration";
import { Notes } from "./TableView";
import { effectiveStep, type PanelState, type Unit } from "./urlState";

const unitChoices: { value: Unit; label: string }[] = [
  { value: "", label: "No unit" },
  { value: "bytes", label: "Bytes" },
  { value: "seconds", label: "Seconds" },
  { value: "percent", label: "Percent (0–100)" },
  { value: "percentunit", label: "Percent (0–1)" },
];

export function GraphControls({ panel, onChange }: { panel: PanelState; onChange: (p: Partial<PanelState>) => void }) {
  return (
    <Group gap="sm" wrap="wrap" data-testid="graph-controls">
      <RangeInput range={panel.range} onChange={(range) => onChange({ range })} />
      <TimeInput
        value={panel.end}
        onChange={(end) => onChange({ end })}
        utc={panel.utc}
        shift={Math.max(1, Math.round(panel.range / 2))}
        label="End time"
        testId="end-input"
      />
      <ResolutionInput panel={panel} onChange={(resolution) => onChange({ resolution })} />
      <SegmentedControl
        aria-label="Display mode"
        data={[
          { value: "lines", label: "Lines" },
          { value: "stacked", label: "Stacked" },
        ]}
        value={panel.displayMode}
        onChange={(v) => onChange({ displayMode: v as PanelState["displayMode"] })}
        data-testid="display-mode"
      />
      <Select
        aria-label="Unit"
        data={unitChoices}
        value={panel.unit}
        allowDeselect={false}
        w={160}
        onChange={(v) => v !== null && onChange({ unit: v as Unit })}
        data-testid="unit-select"
      />
      <Switch
        label="Log scale"
        checked={panel.logScale}
        onChange={(e) => onChange({ logScale: e.currentTarget.checked })}
        data-testid="log-scale"
      />
      <Switch label="UTC" checked={panel.utc} onChange={(e) => onChange({ utc: e.currentTarget.checked })} data-testid="utc" />
    </Group>
  );
}

export function GraphView(props: { panel: PanelState; tick: number; onChange: (p: Partial<PanelState>) => void }) {
  const { panel, tick, onChange } = props;
  const phone = useMediaQuery("(max-width: 48em)");
  const step = effectiveStep(panel);
  // The range before the first drag-zoom: the graph's own "Reset zoom" goes back to it, but a zoom into a stretch
  // with no data replaces the graph by the empty state, so that state offers the way back too.
  const [zoomOrigin, setZoomOrigin] = useState<{ range: number; end: number | null }>();
  const state = useApi(
    async (signal) => {
      const t0 = performance.now();
      const end = panel.end ?? Date.now() / 1000;
      const start = end - panel.range;
      const answer = await api.queryRange(panel.expr, start, end, step, signal);
      performance.mark("ariane:graph:answered");
      return { answer, start, end, step, ms: Math.round(performance.now() - t0) };
    },
    [panel.expr, panel.range, panel.end, step, tick],
  );

  // For benchmarks: "ariane:graph:drawn" minus "ariane:graph:answered" is the time from the answer to the drawn graph
  // (this effect runs after the graph's own effects, the frame after them is painted).
  useEffect(() => {
    if (!state.data) return;
    const id = requestAnimationFrame(() => performance.mark("ariane:graph:drawn"));
    return () => cancelAnimationFrame(id);
  }, [state.data]);

  let body: React.ReactNode;
  if (state.error) {
    body = <ApiErrorAlert error={state.error} title="The query failed" />;
  } else if (!state.data) {
    body = <PageLoader what="the graph" />;
  } else {
    const { answer, start, end, ms } = state.data;
    const series = answer.data.resultType === "matrix" ? answer.data.result : [];
    const points = series.reduce((n, s) => n + (s.values?.length ?? 0) + (s.histograms?.length ?? 0), 0);
    body = (
      <Stack gap="xs">
        <Group gap="md" justify="space-between" wrap="wrap">
          <Text size="sm" c="dimmed" data-testid="series-count" data-count={series.length}>
            {series.length.toLocaleString("en-US")} series, {points.toLocaleString("en-US")} points, step{" "}
            {formatDuration(state.data.step)}
          </Text>
          <Text size="sm" c="dimmed" data-testid="query-time">
            {state.loading ? "refreshing…" : `answered in ${ms} ms`}
          </Text>
        </Group>
        <Notes warnings={answer.warnings} infos={answer.infos} />
        {answer.data.resultType !== "matrix" ? (
          <Text c="dimmed">The range query answered a {answer.data.resultType}, which cannot be graphed.</Text>
        ) : series.length === 0 ? (
          <Text c="dimmed" py="md" ta="center" data-testid="empty-result">
            No series in this range. Try a longer range, another end time, or check the expression in the table.
            {zoomOrigin && (
              <Button
                variant="default"
                size="xs"
                ml="sm"
                leftSection={<IconZoomReset size={16} />}
                data-testid="empty-reset-zoom"
                onClick={() => {
                  onChange({ range: zoomOrigin.range, end: zoomOrigin.end });
                  setZoomOrigin(undefined);
                }}
              >
                Reset zoom ({formatDuration(zoomOrigin.range)})
              </Button>
            )}
          </Text>
        ) : (
          <div data-testid="graph-container" data-series-count={series.length}>
            <TimeSeriesGraph
              series={series}
              start={start}
              end={end}
              step={state.data.step}
              stacked={panel.displayMode === "stacked"}
              logScale={panel.logScale}
              utc={panel.utc}
              unit={panel.unit || undefined}
              height={phone ? 280 : 400}
              onZoom={(s, e) => {
                setZoomOrigin((o) => o ?? { range: panel.range, end: panel.end });
                onChange({ range: Math.max(1, Math.round(e - s)), end: Math.round(e) });
              }}
            />
          </div>
        )}
      </Stack>
    );
  }
  return (
    <Stack gap="sm">
      <GraphControls panel={panel} onChange={onChange} />
      {body}
    </Stack>
  );
}
