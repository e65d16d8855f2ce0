// The query page (/query): several independent query panels, all their state in the URL (Prometheus 3's parameter
// names, see urlState.ts), so a link reopens the same view. /graph (Prometheus 2) redirects here.

import { Button, Group, Stack, Title } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import { useCallback, useMemo, useRef, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { loadHistory, recordHistory } from "./history";
import { QueryPanel } from "./QueryPanel";
import { defaultPanel, encodePanels, type PanelState, parsePanels } from "./urlState";

function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

export function QueryPage() {
  const [params, setParams] = useSearchParams();
  const panels = useMemo(() => parsePanels(params), [params]);
  const [history, setHistory] = useState(() => loadHistory(storage()));

  // Stable React keys for the panels (the URL numbers them 0..n-1, and removing one renumbers the rest).
  const keys = useRef<number[]>([]);
  const nextKey = useRef(0);
  while (keys.current.length < panels.length) keys.current.push(nextKey.current++);
  keys.current.length = panels.length;

  const write = useCallback(
    (next: PanelState[]) => setParams(new URLSearchParams(encodePanels(next)), { replace: true }),
    [setParams],
  );

  const update = (i: number, p: Partial<PanelState>) => write(panels.map((x, j) => (j === i ? { ...x, ...p } : x)));
  const remove = (i: number) => {
    keys.current.splice(i, 1);
    write(panels.filter((_, j) => j !== i));
  };
  const duplicate = (i: number) => {
    keys.current.splice(i + 1, 0, nextKey.current++);
    write([...panels.slice(0, i + 1), { ...panels[i] }, ...panels.slice(i + 1)]);
  };
  const add = () => {
    keys.current.push(nextKey.current++);
    write([...panels, defaultPanel()]);
  };

  return (
    <Stack gap="md">
      <Title order={2}>Query</Title>
      {panels.map((p, i) => (
        <QueryPanel
          key={keys.current[i]}
          index={i}
          panel={p}
          history={history}
          onChange={(c) => update(i, c)}
          onExecuted={(e) => setHistory(recordHistory(storage(), e))}
          onRemove={panels.length > 1 ? () => remove(i) : undefined}
          onDuplicate={() => duplicate(i)}
        />
      ))}
      <Group>
        <Button variant="default" leftSection={<IconPlus size={16} />} onClick={add} data-testid="add-panel">
          Add query
        </Button>
      </Group>
    </Stack>
  );
}
