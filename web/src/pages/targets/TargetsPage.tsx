import {
  Alert,
  Anchor,
  Badge,
  Button,
  Chip,
  Group,
  Select,
  Stack,
  Text,
  Title,
  Tooltip,
  UnstyledButton,
} from "@mantine/core";
import { IconChevronDown, IconChevronRight, IconRefresh } from "@tabler/icons-react";
import { memo, useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { api, type Target } from "../../api";
import { writeSdFilters } from "../sd/sdModel";
import { ApiErrorAlert, PageLoader } from "../../components/Status";
import { useApi } from "../../components/useApi";
import { formatTime } from "../../format";
import { ListSummary, PoolFilter, TextFilter, VirtualPoolList } from "./PoolListParts";
import { LabelBadges } from "./LabelBadges";
import classes from "./targets.module.css";
import {
  buildRows,
  filterTargets,
  formatAgo,
  formatDuration,
  formatLabel,
  groupByPool,
  healthColor,
  healths,
  parseFilters,
  poolColor,
  prepareTargets,
  refreshChoices,
  writeFilters,
  type Health,
  type PoolGroup,
  type PreparedTarget,
  type Row,
  type TargetFilters,
} from "./targetsModel";

/** Ticks once a second so "3.2 s ago" stays true; only the rows on screen re-render. */
function useNow(periodMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), periodMs);
    return () => clearInterval(id);
  }, [periodMs]);
  return now;
}

/** The filters in the URL; setting them replaces the history entry (typing does not flood the back button). */
export function useUrlFilters(): [TargetFilters, (f: Partial<TargetFilters>) => void] {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => parseFilters(params), [params]);
  const set = useCallback(
    (f: Partial<TargetFilters>) => setParams((prev) => writeFilters({ ...parseFilters(prev), ...f }), { replace: true }),
    [setParams],
  );
  return [filters, set];
}

/** The refresh picker, the reload button and when the data was last fetched. */
export function RefreshControls({
  refresh,
  onRefresh,
  reload,
  loading,
  updated,
}: {
  refresh: number;
  onRefresh: (s: number) => void;
  reload: () => void;
  loading: boolean;
  updated: number | undefined;
}) {
  useEffect(() => {
    if (refresh <= 0) return;
    const id = setInterval(reload, refresh * 1000);
    return () => clearInterval(id);
  }, [refresh, reload]);
  return (
    <Group gap="xs" wrap="wrap">
      <Text size="sm" c="dimmed" data-testid="last-updated">
        {updated ? `Updated ${formatTime(new Date(updated))}` : ""}
      </Text>
      <Select
        aria-label="Auto-refresh"
        data-testid="refresh-select"
        w={150}
        allowDeselect={false}
        value={String(refresh)}
        onChange={(v) => onRefresh(Number(v ?? "0"))}
        data={refreshChoices.map((s) => ({ value: String(s), label: s === 0 ? "Refresh: off" : `Every ${s} s` }))}
      />
      <Button
        variant="default"
        leftSection={<IconRefresh size={16} />}
        onClick={reload}
        loading={loading}
        data-testid="reload"
      >
        Reload
      </Button>
    </Group>
  );
}

/** Epoch ms of the last answer: set when the data object changes. */
export function useUpdatedAt(data: unknown): number | undefined {
  const [at, setAt] = useState<number>();
  useEffect(() => {
    if (data !== undefined) setAt(Date.now());
  }, [data]);
  return at;
}

/** A pool's collapsible header: its name and a coloured count ("N / M up" on the targets page). */
export function PoolHeader({
  group,
  collapsed,
  onToggle,
  total,
  color,
}: {
  group: Pick<PoolGroup, "pool" | "up" | "down" | "unknown">;
  collapsed: boolean;
  onToggle: (pool: string) => void;
  total?: string;
  color?: string;
}) {
  const n = group.up + group.down + group.unknown;
  return (
    <UnstyledButton
      className={collapsed ? `${classes.poolHeader} ${classes.poolHeaderCollapsed}` : classes.poolHeader}
      onClick={() => onToggle(group.pool)}
      aria-expanded={!collapsed}
      data-testid="pool-header"
      data-pool={group.pool}
    >
      {collapsed ? <IconChevronRight size={18} aria-hidden /> : <IconChevronDown size={18} aria-hidden />}
      <span className={classes.poolName}>{group.pool}</span>
      <Badge color={color ?? poolColor(group)} variant="light" size="lg" tt="none" data-testid="pool-up-count" style={{ flexShrink: 0 }}>
        {total ?? `${group.up} / ${n} up`}
      </Badge>
    </UnstyledButton>
  );
}

/** The service-discovery page filtered to this target (its pool and its discovered address). */
function serviceDiscoveryLink(t: Target): string {
  const address = t.discoveredLabels.__address__;
  const q = writeSdFilters({
    pools: [t.scrapePool],
    text: address !== undefined ? formatLabel("__address__", address) : "",
    show: "active",
  });
  return `/service-discovery?${q.toString()}`;
}

const TargetRow = memo(function TargetRow({
  item,
  now,
  open,
  onToggle,
}: {
  item: PreparedTarget;
  now: number;
  open: boolean;
  onToggle: (key: string) => void;
}) {
  const t = item.target;
  return (
    <div className={classes.row} data-testid="target-row" data-pool={t.scrapePool} data-health={t.health}>
      <div className={classes.cell}>
        <Anchor href={t.scrapeUrl} target="_blank" rel="noreferrer" size="sm" data-testid="target-endpoint">
          {t.scrapeUrl}
        </Anchor>
        <div>
          <Button
            variant="subtle"
            size="compact-sm"
            px={4}
            mt={2}
            onClick={() => onToggle(item.key)}
            aria-expanded={open}
            data-testid="discovered-toggle"
          >
            {open ? "Hide discovered labels" : "Discovered labels"}
          </Button>
        </div>
      </div>
      <div className={classes.cell}>
        <span className={classes.caption}>State</span>
        <Badge color={healthColor(t.health)} variant={t.health === "unknown" ? "outline" : "filled"} data-testid="target-health">
          {t.health}
        </Badge>
      </div>
      <div className={classes.cell}>
        <LabelBadges labels={t.labels} testId="target-labels" />
      </div>
      <div className={classes.cell}>
        <span className={classes.caption}>Last scrape</span>
        <Tooltip label={item.lastScrapeMs ? formatTime(new Date(item.lastScrapeMs)) : "not scraped yet"} openDelay={200}>
          <span data-testid="target-last-scrape" tabIndex={0}>
            {formatAgo(item.lastScrapeMs, now)}
          </span>
        </Tooltip>
        {(t.scrapeInterval || t.scrapeTimeout) && (
          <div className={classes.muted}>
            every {t.scrapeInterval ?? "?"}, timeout {t.scrapeTimeout ?? "?"}
          </div>
        )}
      </div>
      <div className={classes.cell}>
        <span className={classes.caption}>Duration</span>
        <span data-testid="target-duration">{item.lastScrapeMs ? formatDuration(t.lastScrapeDuration) : "–"}</span>
      </div>
      {t.lastError && (
        <div className={`${classes.full} ${classes.error}`} data-testid="target-error">
          {t.lastError}
        </div>
      )}
      {open && (
        <div className={`${classes.full} ${classes.detail}`} data-testid="discovered-labels">
          <Text size="sm" c="dimmed" mb={4}>
            Discovered labels (before relabelling)
          </Text>
          <LabelBadges labels={t.discoveredLabels} />
          <Anchor component={Link} to={serviceDiscoveryLink(t)} size="sm" mt={6} display="inline-block">
            How relabelling made these labels: service discovery
          </Anchor>
        </div>
      )}
    </div>
  );
});

function VirtualRows({
  rows,
  onTogglePool,
  openTargets,
  onToggleTarget,
}: {
  rows: Row[];
  onTogglePool: (pool: string) => void;
  openTargets: ReadonlySet<string>;
  onToggleTarget: (key: string) => void;
}) {
  const now = useNow();
  return (
    <VirtualPoolList
      rows={rows}
      testId="targets-list"
      estimate={(r) => (r.kind === "pool" ? 56 : r.item.target.lastError ? 96 : 72)}
      rowKey={(r) => (r.kind === "pool" ? "pool\u0000" + r.group.pool : r.item.key)}
      render={(r) =>
        r.kind === "pool" ? (
          <PoolHeader group={r.group} collapsed={r.collapsed} onToggle={onTogglePool} />
        ) : (
          <TargetRow item={r.item} now={now} open={openTargets.has(r.item.key)} onToggle={onToggleTarget} />
        )
      }
    />
  );
}

/**
 * Marks the page's root with data-render-ms, the milliseconds from navigation to the first frame drawn with the
 * data (the 10,000-target benchmark and the end-to-end tests read it).
 */
export function useRenderMark(data: unknown) {
  const rootRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (data !== undefined && rootRef.current && !rootRef.current.dataset.renderMs) {
      requestAnimationFrame(() => {
        if (rootRef.current) rootRef.current.dataset.renderMs = String(Math.round(performance.now()));
      });
    }
  }, [data]);
  return rootRef;
}

/** Toggles membership of a key in a set held in state. */
export function useToggleSet(): [ReadonlySet<string>, (k: string) => void, (s: Set<string>) => void] {
  const [set, setSet] = useState<ReadonlySet<string>>(() => new Set());
  const toggle = useCallback(
    (k: string) =>
      setSet((prev) => {
        const next = new Set(prev);
        if (!next.delete(k)) next.add(k);
        return next;
      }),
    [],
  );
  return [set, toggle, setSet];
}

export function TargetsPage() {
  const [filters, setFilters] = useUrlFilters();
  const { data, error, loading, reload } = useApi((signal) => api.targets("active", signal), []);
  const updated = useUpdatedAt(data);
  const [textInput, setTextInput] = useState(filters.text);
  const text = useDeferredValue(textInput);
  useEffect(() => {
    if (text !== filters.text) setFilters({ text });
  }, [text, filters.text, setFilters]);

  const prepared = useMemo(() => (data ? prepareTargets(data.activeTargets) : []), [data]);
  const poolNames = useMemo(() => [...new Set(prepared.map((p) => p.target.scrapePool))].sort(), [prepared]);
  const counts = useMemo(() => {
    const c: Record<Health, number> = { up: 0, down: 0, unknown: 0 };
    for (const p of prepared) c[p.target.health]++;
    return c;
  }, [prepared]);
  const shown = useMemo(
    () => filterTargets(prepared, { ...filters, text }),
    [prepared, filters.health, filters.pools, text], // eslint-disable-line react-hooks/exhaustive-deps
  );
  const groups = useMemo(() => groupByPool(shown), [shown]);
  const [collapsed, togglePool, setCollapsed] = useToggleSet();
  const [openTargets, toggleTarget] = useToggleSet();
  const rows = useMemo(() => buildRows(groups, collapsed), [groups, collapsed]);

  const rootRef = useRenderMark(data);


  return (
    <Stack gap="sm" ref={rootRef} data-testid="targets-page">
      <Group justify="space-between" align="center" wrap="wrap">
        <Title order={2}>Targets</Title>
        <RefreshControls
          refresh={filters.refresh}
          onRefresh={(refresh) => setFilters({ refresh })}
          reload={reload}
          loading={loading}
          updated={updated}
        />
      </Group>
      {error && <ApiErrorAlert error={error} title="Could not load the targets" />}
      {!data && loading && <PageLoader what="targets" />}
      {data && prepared.length === 0 && (
        <Alert color="gray" title="No scrape targets" data-testid="targets-empty">
          No target is configured to be scraped. Add a job under <code>scrape_configs</code> in the configuration file
          (the one given with <code>--config.file</code>) and reload it; its targets appear here with their health.
        </Alert>
      )}
      {data && prepared.length > 0 && (
        <>
          <Group gap="sm" align="flex-end" wrap="wrap">
            <Chip.Group multiple value={filters.health} onChange={(v) => setFilters({ health: v as Health[] })}>
              <Group gap={6} role="group" aria-label="Filter by health" data-testid="filter-health">
                {healths.map((h) => (
                  <Chip
                    key={h}
                    value={h}
                    color={healthColor(h)}
                    variant="light"
                    wrapperProps={{ "data-testid": `filter-health-${h}` }}
                  >
                    {h} ({counts[h]})
                  </Chip>
                ))}
              </Group>
            </Chip.Group>
            <PoolFilter pools={poolNames} value={filters.pools} onChange={(pools) => setFilters({ pools })} testId="filter-pool" />
            <TextFilter
              label="Filter by endpoint, labels or error"
              placeholder="Filter by endpoint, labels, error"
              value={textInput}
              onChange={setTextInput}
              testId="filter-text"
            />
          </Group>
          <ListSummary
            testId="targets-summary"
            summary={
              shown.length === prepared.length
                ? `${prepared.length} targets in ${groups.length} scrape pools`
                : `${shown.length} of ${prepared.length} targets in ${groups.length} scrape pools`
            }
            onExpandAll={() => setCollapsed(new Set())}
            onCollapseAll={() => setCollapsed(new Set(groups.map((g) => g.pool)))}
          />
          {shown.length === 0 ? (
            <Alert color="gray" title="No target matches the filters" data-testid="targets-no-match">
              <Group gap="sm">
                <Text size="sm">{prepared.length} targets are hidden by the filters.</Text>
                <Button
                  size="xs"
                  variant="light"
                  onClick={() => {
                    setTextInput("");
                    setFilters({ health: [], pools: [], text: "" });
                  }}
                >
                  Clear the filters
                </Button>
              </Group>
            </Alert>
          ) : (
            <div>
              <div className={classes.columnHeads} aria-hidden>
                <span>Endpoint</span>
                <span>State</span>
                <span>Labels</span>
                <span>Last scrape</span>
                <span>Duration</span>
              </div>
              <VirtualRows rows={rows} onTogglePool={togglePool} openTargets={openTargets} onToggleTarget={toggleTarget} />
            </div>
          )}
        </>
      )}
    </Stack>
  );
}
