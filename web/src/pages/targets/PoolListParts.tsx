import { Button, Group, MultiSelect, Text, TextInput } from "@mantine/core";
import { IconSearch } from "@tabler/icons-react";
import { useWindowVirtualizer } from "@tanstack/react-virtual";
import { type ReactNode, useCallback, useLayoutEffect, useRef, useState } from "react";

// The parts /targets and /service-discovery share around their lists of scrape pools: the pool and text filters, and
// the summary line with "Expand all" / "Collapse all".

/** Picks scrape pools to show (none picked: all). */
export function PoolFilter(props: { pools: string[]; value: string[]; onChange: (pools: string[]) => void; testId: string }) {
  return (
    <MultiSelect
      aria-label="Filter by scrape pool"
      placeholder={props.value.length === 0 ? "All scrape pools" : undefined}
      data={props.pools}
      value={props.value}
      onChange={props.onChange}
      searchable
      clearable
      w={{ base: "100%", sm: 260 }}
      maxDropdownHeight={300}
      limit={200}
      styles={{ inputField: { minWidth: 40 } }}
      data-testid={props.testId}
    />
  );
}

/** The free-text filter, taking the rest of the filter row. */
export function TextFilter(props: { label: string; placeholder: string; value: string; onChange: (text: string) => void; testId: string }) {
  return (
    <TextInput
      aria-label={props.label}
      placeholder={props.placeholder}
      leftSection={<IconSearch size={16} />}
      value={props.value}
      onChange={(e) => props.onChange(e.currentTarget.value)}
      style={{ flex: 1, minWidth: 220 }}
      data-testid={props.testId}
    />
  );
}

/** "N targets in M scrape pools" with the buttons that open or close every pool. */
export function ListSummary(props: { summary: string; testId: string; onExpandAll: () => void; onCollapseAll: () => void }) {
  return (
    <Group justify="space-between" wrap="wrap" gap="xs">
      <Text size="sm" c="dimmed" data-testid={props.testId}>
        {props.summary}
      </Text>
      <Group gap="xs">
        <Button variant="default" size="xs" onClick={props.onExpandAll} data-testid="expand-all">
          Expand all
        </Button>
        <Button variant="default" size="xs" onClick={props.onCollapseAll} data-testid="collapse-all">
          Collapse all
        </Button>
      </Group>
    </Group>
  );
}

/**
 * A window-scrolled virtual list of pool headers and their rows (10,000 targets stay fast). `estimate` and `rowKey`
 * are read through refs, so the virtualiser's callbacks change only with `rows`: it recomputes every row's offset
 * whenever they change.
 */
export function VirtualPoolList<R>(props: {
  rows: R[];
  estimate: (row: R) => number;
  rowKey: (row: R) => string;
  render: (row: R) => ReactNode;
  testId: string;
}) {
  const { rows } = props;
  const listRef = useRef<HTMLDivElement>(null);
  const [margin, setMargin] = useState(0);
  useLayoutEffect(() => {
    setMargin(listRef.current?.offsetTop ?? 0);
  }, []);
  const estimateRef = useRef(props.estimate);
  estimateRef.current = props.estimate;
  const keyRef = useRef(props.rowKey);
  keyRef.current = props.rowKey;
  const estimateSize = useCallback((i: number) => estimateRef.current(rows[i]), [rows]);
  const getItemKey = useCallback((i: number) => keyRef.current(rows[i]), [rows]);
  const v = useWindowVirtualizer({ count: rows.length, estimateSize, overscan: 6, scrollMargin: margin, getItemKey });
  return (
    <div ref={listRef} style={{ height: v.getTotalSize(), position: "relative" }} data-testid={props.testId}>
      {v.getVirtualItems().map((vi) => (
        <div
          key={vi.key}
          data-index={vi.index}
          ref={v.measureElement}
          style={{ position: "absolute", top: 0, left: 0, width: "100%", transform: `translateY(${vi.start - margin}px)` }}
        >
          {props.render(rows[vi.index])}
        </div>
      ))}
    </div>
  );
}
