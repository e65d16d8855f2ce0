import { Badge, Box, Group, Modal, Text, TextInput, UnstyledButton } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { IconSearch } from "@tabler/icons-react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef, useState } from "react";
import { api } from "../api";
import { filterMetrics, metricRows, type MetricRow } from "./metricsFilter";
import { ApiErrorAlert, PageLoader } from "./Status";
import { useApi } from "./useApi";

export interface MetricsExplorerProps {
  opened: boolean;
  onClose: () => void;
  /** A metric was picked (click, or Enter): the page puts it in the editor. The explorer closes itself. */
  onSelect: (metricName: string) => void;
}

const ROW_HEIGHT = 62;

/** Every metric name the server knows, with its type, unit and help; filter as you type, one click to pick. */
export function MetricsExplorer({ opened, onClose, onSelect }: MetricsExplorerProps) {
  const phone = useMediaQuery("(max-width: 48em)");
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title="Metrics explorer"
      size="xl"
      fullScreen={phone}
      data-testid="metrics-explorer"
      styles={{ title: { fontWeight: 600, fontSize: 18 } }}
    >
      {opened && (
        <ExplorerBody
          onSelect={(name) => {
            onSelect(name);
            onClose();
          }}
        />
      )}
    </Modal>
  );
}

const TYPE_COLORS: Record<string, string> = {
  counter: "blue",
  gauge: "teal",
  histogram: "grape",
  gaugehistogram: "grape",
  summary: "orange",
  info: "gray",
  stateset: "gray",
  unknown: "gray",
};

function ExplorerBody({ onSelect }: { onSelect: (name: string) => void }) {
  const names = useApi((signal) => api.labelValues("__name__", undefined, signal), []);
  // The metadata only adds words: the list works without it (a server may have none yet).
  const meta = useApi((signal) => api.metadata(undefined, signal).catch(() => undefined), []);
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const rows = useMemo(() => metricRows(names.data ?? [], meta.data), [names.data, meta.data]);
  const shown = useMemo(() => filterMetrics(rows, query), [rows, query]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);

  const virt = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });

  useEffect(() => setActive(0), [query]);
  // Focus the filter on open (the modal's own focus trap may pick the close button first).
  useEffect(() => {
    const t = setTimeout(() => inputRef.current?.focus(), 30);
    return () => clearTimeout(t);
  }, []);

  const move = (to: number) => {
    if (shown.length === 0) return;
    const i = Math.max(0, Math.min(shown.length - 1, to));
    setActive(i);
    virt.scrollToIndex(i, { align: "auto" });
  };

  return (
    <Box>
      <TextInput
        ref={inputRef}
        data-autofocus
        data-testid="metrics-explorer-filter"
        aria-label="Filter metrics"
        placeholder="Filter by name or help (letters in order match too: nodcpu)"
        leftSection={<IconSearch size={16} />}
        value={query}
        onChange={(e) => setQuery(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") {
            e.preventDefault();
            move(active + 1);
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            move(active - 1);
          } else if (e.key === "PageDown") {
            e.preventDefault();
            move(active + 8);
          } else if (e.key === "PageUp") {
            e.preventDefault();
            move(active - 8);
          } else if (e.key === "Enter" && shown[active]) {
            e.preventDefault();
            onSelect(shown[active].name);
          }
        }}
        mb="xs"
      />
      {names.error ? (
        <ApiErrorAlert error={names.error} title="The metric names could not be loaded" />
      ) : !names.data ? (
        <PageLoader what="metric names" />
      ) : (
        <>
          <Text size="sm" c="dimmed" mb={4} data-testid="metrics-explorer-count" aria-live="polite">
            {shown.length === rows.length
              ? `${rows.length} metrics`
              : `${shown.length} of ${rows.length} metrics match`}
            {meta.loading && !meta.data ? " (loading their metadata…)" : ""}
          </Text>
          {rows.length === 0 ? (
            <Text py="lg" ta="center" c="dimmed" data-testid="metrics-explorer-empty">
              The server has no metrics yet: once its targets have been scraped, their metrics are listed here.
            </Text>
          ) : shown.length === 0 ? (
            <Text py="lg" ta="center" c="dimmed" data-testid="metrics-explorer-empty">
              No metric matches “{query}”. Try fewer letters, or a word from the help text.
            </Text>
          ) : (
            <Box
              ref={scrollRef}
              role="listbox"
              aria-label="Metrics"
              data-testid="metrics-explorer-list"
              style={{
                height: "min(60vh, 560px)",
                overflowY: "auto",
                border: "1px solid var(--mantine-color-default-border)",
                borderRadius: "var(--mantine-radius-sm)",
              }}
            >
              <div style={{ height: virt.getTotalSize(), position: "relative" }}>
                {virt.getVirtualItems().map((item) => (
                  <MetricRowView
                    key={shown[item.index].name}
                    row={shown[item.index]}
                    active={item.index === active}
                    top={item.start}
                    onPick={onSelect}
                    onHover={() => setActive(item.index)}
                  />
                ))}
              </div>
            </Box>
          )}
        </>
      )}
    </Box>
  );
}

function MetricRowView({
  row,
  active,
  top,
  onPick,
  onHover,
}: {
  row: MetricRow;
  active: boolean;
  top: number;
  onPick: (name: string) => void;
  onHover: () => void;
}) {
  return (
    <UnstyledButton
      role="option"
      aria-selected={active}
      data-testid="metrics-explorer-row"
      data-metric={row.name}
      onClick={() => onPick(row.name)}
      onMouseMove={active ? undefined : onHover}
      title={row.help || undefined}
      style={{
        position: "absolute",
        top: 0,
        left: 0,
        width: "100%",
        height: ROW_HEIGHT,
        transform: `translateY(${top}px)`,
        padding: "6px 10px",
        borderBottom: "1px solid var(--mantine-color-default-border)",
        background: active ? "var(--mantine-color-default-hover)" : undefined,
      }}
    >
      <Group gap={6} wrap="nowrap">
        <Text
          fw={600}
          size="sm"
          style={{ fontFamily: "var(--mantine-font-family-monospace)", fontSize: 14 }}
          truncate="end"
        >
          {row.name}
        </Text>
        {row.type && (
          <Badge size="md" variant="light" color={TYPE_COLORS[row.type] ?? "gray"} tt="none" style={{ flex: "none", fontSize: 12 }}>
            {row.type}
          </Badge>
        )}
        {row.unit && (
          <Badge size="md" variant="outline" color="gray" tt="none" style={{ flex: "none", fontSize: 12 }}>
            {row.unit}
          </Badge>
        )}
      </Group>
      <Text size="sm" c="dimmed" truncate="end">
        {row.help || "no help text"}
      </Text>
    </UnstyledButton>
  );
}
