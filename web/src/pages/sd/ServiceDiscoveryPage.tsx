import { Alert, Badge, Button, Group, SegmentedControl, Stack, Title } from "@mantine/core";
import { memo, useCallback, useDeferredValue, useEffect, useMemo, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { api } from "../../api";
import { ApiErrorAlert, PageLoader } from "../../components/Status";
import { useApi } from "../../components/useApi";
import { LabelBadges } from "../targets/LabelBadges";
import { ListSummary, PoolFilter, TextFilter, VirtualPoolList } from "../targets/PoolListParts";
import { PoolHeader, RefreshControls, useRenderMark, useToggleSet, useUpdatedAt } from "../targets/TargetsPage";
import classes from "../targets/targets.module.css";
import { RelabelStepsView } from "./RelabelStepsView";
import {
  buildSdRows,
  filterSd,
  groupSd,
  parseSdFilters,
  prepareSd,
  writeSdFilters,
  type SdEntry,
  type SdFilters,
  type SdRow,
  type Show,
} from "./sdModel";

const SdEntryRow = memo(function SdEntryRow({
  entry,
  open,
  onToggle,
}: {
  entry: SdEntry;
  open: boolean;
  onToggle: (key: string) => void;
}) {
  const dropped = entry.labels === undefined;
  return (
    <div className={classes.sdRow} data-testid="sd-row" data-pool={entry.pool} data-dropped={dropped}>
      <div className={classes.cell}>
        <span className={classes.caption}>Discovered</span>
        <LabelBadges labels={entry.discovered} testId="sd-discovered" />
      </div>
      <div className={classes.cell}>
        <span className={classes.caption}>Target labels</span>
        {dropped ? (
          <Badge color="gray" variant="outline" size="lg" data-testid="sd-dropped">
            dropped
          </Badge>
        ) : (
          <LabelBadges labels={entry.labels!} testId="sd-target-labels" />
        )}
      </div>
      <div className={classes.full}>
        <Button
          variant="subtle"
          size="compact-sm"
          px={4}
          onClick={() => onToggle(entry.key)}
          aria-expanded={open}
          data-testid="relabel-toggle"
        >
          {open ? "Hide relabelling" : dropped ? "Show relabelling (which rule dropped it)" : "Show relabelling"}
        </Button>
      </div>
      {open && (
        <div className={classes.full}>
          <RelabelStepsView pool={entry.pool} discovered={entry.discovered} dropped={dropped} />
        </div>
      )}
    </div>
  );
});

function SdRows({
  rows,
  onTogglePool,
  open,
  onToggle,
}: {
  rows: SdRow[];
  onTogglePool: (pool: string) => void;
  open: ReadonlySet<string>;
  onToggle: (key: string) => void;
}) {
  return (
    <VirtualPoolList
      rows={rows}
      testId="sd-list"
      estimate={(r) => (r.kind === "pool" ? 56 : 110)}
      rowKey={(r) => (r.kind === "pool" ? "pool\u0000" + r.group.pool : r.entry.key)}
      render={(r) =>
        r.kind === "pool" ? (
          <PoolHeader
            group={{ pool: r.group.pool, up: r.group.active, down: 0, unknown: r.group.dropped }}
            collapsed={r.collapsed}
            onToggle={onTogglePool}
            total={`${r.group.active} active, ${r.group.dropped} dropped`}
            color="gray"
          />
        ) : (
          <SdEntryRow entry={r.entry} open={open.has(r.entry.key)} onToggle={onToggle} />
        )
      }
    />
  );
}

export function ServiceDiscoveryPage() {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => parseSdFilters(params), [params]);
  const setFilters = useCallback(
    (f: Partial<SdFilters>) => setParams((prev) => writeSdFilters({ ...parseSdFilters(prev), ...f }), { replace: true }),
    [setParams],
  );
  const [refresh, setRefresh] = useState(0);
  const { data, error, loading, reload } = useApi((signal) => api.targets("any", signal), []);
  const updated = useUpdatedAt(data);
  const [textInput, setTextInput] = useState(filters.text);
  const text = useDeferredValue(textInput);
  useEffect(() => {
    if (text !== filters.text) setFilters({ text });
  }, [text, filters.text, setFilters]);

  const entries = useMemo(() => (data ? prepareSd(data) : []), [data]);
  const poolNames = useMemo(() => [...new Set(entries.map((e) => e.pool))].sort(), [entries]);
  const shown = useMemo(
    () => filterSd(entries, { ...filters, text }),
    [entries, filters.pools, filters.show, text], // eslint-disable-line react-hooks/exhaustive-deps
  );
  const groups = useMemo(() => groupSd(shown), [shown]);
  const [collapsed, togglePool, setCollapsed] = useToggleSet();
  const [open, toggle] = useToggleSet();
  const rows = useMemo(() => buildSdRows(groups, collapsed), [groups, collapsed]);
  const droppedCount = useMemo(() => entries.filter((e) => !e.labels).length, [entries]);
  const rootRef = useRenderMark(data);

  return (
    <Stack gap="sm" ref={rootRef} data-testid="sd-page">
      <Group justify="space-between" align="center" wrap="wrap">
        <Title order={2}>Service discovery</Title>
        <RefreshControls refresh={refresh} onRefresh={setRefresh} reload={reload} loading={loading} updated={updated} />
      </Group>
      {error && <ApiErrorAlert error={error} title="Could not load the discovered targets" />}
      {!data && loading && <PageLoader what="discovered targets" />}
      {data && entries.length === 0 && (
        <Alert color="gray" title="Nothing discovered" data-testid="sd-empty">
          No scrape pool has discovered a target. Add a job under <code>scrape_configs</code> in the configuration file
          (the one given with <code>--config.file</code>); each target its discovery finds appears here with its labels
          before and after relabelling.
        </Alert>
      )}
      {data && entries.length > 0 && (
        <>
          <Group gap="sm" align="flex-end" wrap="wrap">
            <SegmentedControl
              aria-label="Show active or dropped targets"
              value={filters.show}
              onChange={(v) => setFilters({ show: v as Show })}
              data={[
                { value: "all", label: `All (${entries.length})` },
                { value: "active", label: `Active (${entries.length - droppedCount})` },
                { value: "dropped", label: `Dropped (${droppedCount})` },
              ]}
              data-testid="sd-filter-show"
            />
            <PoolFilter pools={poolNames} value={filters.pools} onChange={(pools) => setFilters({ pools })} testId="sd-filter-pool" />
            <TextFilter
              label="Filter by label"
              placeholder="Filter by label name or value"
              value={textInput}
              onChange={setTextInput}
              testId="sd-filter-text"
            />
          </Group>
          <ListSummary
            testId="sd-summary"
            summary={`${shown.length} of ${entries.length} discovered targets in ${groups.length} scrape pools`}
            onExpandAll={() => setCollapsed(new Set())}
            onCollapseAll={() => setCollapsed(new Set(groups.map((g) => g.pool)))}
          />
          {shown.length === 0 ? (
            <Alert color="gray" title="No discovered target matches the filters">
              <Button
                size="xs"
                variant="light"
                onClick={() => {
                  setTextInput("");
                  setFilters({ pools: [], text: "", show: "all" });
                }}
              >
                Clear the filters
              </Button>
            </Alert>
          ) : (
            <div>
              <div className={`${classes.columnHeads} ${classes.sdRow}`} aria-hidden>
                <span>Discovered labels (before relabelling)</span>
                <span>Target labels (after relabelling)</span>
              </div>
              <SdRows rows={rows} onTogglePool={togglePool} open={open} onToggle={toggle} />
            </div>
          )}
        </>
      )}
    </Stack>
  );
}
