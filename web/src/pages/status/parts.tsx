// Building blocks shared by the home and status pages: label/value tables, number cards, a card that shows its own
// loading state and server error, and a clock for uptimes.

import { Anchor, Card, Group, Loader, Paper, Stack, Table, Text, Title, useComputedColorScheme } from "@mantine/core";
import { IconChevronRight } from "@tabler/icons-react";
import { useEffect, useState, type ReactNode } from "react";
import { Link } from "react-router-dom";
import { ApiErrorAlert } from "../../components/Status";
import type { ApiState } from "../../components/useApi";

export interface InfoRow {
  label: ReactNode;
  value: ReactNode;
  /** data-testid of the value cell. */
  testid?: string;
}

/** A readable two-column table: the label on the left, its value on the right (long values wrap, never cut). */
export function InfoTable({ rows, testid }: { rows: InfoRow[]; testid?: string }) {
  return (
    <Table verticalSpacing={6} data-testid={testid} layout="fixed">
      <Table.Tbody>
        {rows.map((r, i) => (
          <Table.Tr key={i}>
            <Table.Th w="40%" fw={500} c="dimmed" style={{ verticalAlign: "top" }}>
              {r.label}
            </Table.Th>
            <Table.Td data-testid={r.testid} style={{ overflowWrap: "anywhere" }}>
              {r.value}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** A number with its name, as on a dashboard; `raw` goes in data-value so tests compare it with the API's. */
export function StatCard({
  label,
  value,
  hint,
  testid,
  raw,
  small,
}: {
  /** A long value (a time): a smaller font so it does not break into many lines. */
  small?: boolean;
  label: string;
  value: ReactNode;
  hint?: ReactNode;
  testid?: string;
  raw?: string | number;
}) {
  return (
    <Paper withBorder p="md" radius="md">
      <Text size="sm" c="dimmed" fw={500}>
        {label}
      </Text>
      <Text fz={small ? 16 : 22} fw={small ? 600 : 700} data-testid={testid} data-value={raw} style={{ overflowWrap: "anywhere" }}>
        {value}
      </Text>
      {hint && (
        <Text size="sm" c="dimmed">
          {hint}
        </Text>
      )}
    </Paper>
  );
}

/**
 * A card whose data comes from its own request: a spinner until the first answer, the server's error when it fails
 * (the last good answer stays shown under it while refreshing), its content otherwise. The title links to the page
 * with the detail.
 */
export function LinkedCard<T>({
  title,
  to,
  state,
  testid,
  children,
}: {
  title: string;
  to: string;
  state: Pick<ApiState<T>, "data" | "error">;
  testid: string;
  children: (data: T) => ReactNode;
}) {
  return (
    <Card withBorder radius="md" data-testid={testid}>
      <Group justify="space-between" wrap="nowrap" mb="xs">
        <Anchor component={Link} to={to} fw={600} fz="lg" c="var(--mantine-color-text)" underline="hover">
          {title}
        </Anchor>
        <Anchor component={Link} to={to} aria-label={`${title}: details`} c="dimmed" display="flex">
          <IconChevronRight size={18} />
        </Anchor>
      </Group>
      <Stack gap="xs">
        {state.error && <ApiErrorAlert error={state.error} title="This card's data failed to load" />}
        {state.data !== undefined ? (
          children(state.data)
        ) : !state.error ? (
          <Loader size="sm" aria-label={`loading ${title}`} />
        ) : null}
      </Stack>
    </Card>
  );
}

/** A section of a status page: a heading over a bordered card. */
export function Section({ title, children, testid }: { title: string; children: ReactNode; testid?: string }) {
  return (
    <Stack gap="xs" data-testid={testid}>
      <Title order={3}>{title}</Title>
      <Card withBorder radius="md" p="sm">
        {children}
      </Card>
    </Stack>
  );
}

/** The current time, updated every `everyMs` (uptimes, "ago"). */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/** Calls `tick` every `everyMs` while the page is shown (refreshes a dashboard). */
export function useEvery(everyMs: number, tick: () => void) {
  useEffect(() => {
    const t = setInterval(tick, everyMs);
    return () => clearInterval(t);
  }, [everyMs, tick]);
}

/**
 * Text colours for good and bad news that keep 4.5:1 contrast in both themes (Mantine's default green and red text
 * is too light on white).
 */
export function useTone(): { good: string; bad: string } {
  const dark = useComputedColorScheme("light", { getInitialValueInEffect: false }) === "dark";
  return dark ? { good: "green.5", bad: "red.5" } : { good: "green.9", bad: "red.9" };
}
