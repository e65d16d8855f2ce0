// One query panel: the editor with its history and metrics explorer, Execute, and the Table | Graph | Explain tabs.

import { ActionIcon, Button, Group, Menu, Stack, Switch, Tabs, Text, Tooltip } from "@mantine/core";
import {
  IconBook2,
  IconChartLine,
  IconDots,
  IconHistory,
  IconPlayerPlay,
  IconSitemap,
  IconTable,
  IconTrash,
  IconCopy,
} from "@tabler/icons-react";
import { useEffect, useRef, useState } from "react";
import { ExplainView } from "../../components/explain/ExplainView";
import { MetricsExplorer } from "../../components/MetricsExplorer";
import { RefreshSelect, TimeInput } from "./controls";
import { GraphView } from "./GraphView";
import { type EditorHandle, PromQLEditor } from "./PromQLEditor";
import { TableView } from "./TableView";
import classes from "./query.module.css";
import { type PanelState, type Tab } from "./urlState";

export function QueryPanel(props: {
  index: number;
  panel: PanelState;
  history: readonly string[];
  onChange: (p: Partial<PanelState>) => void;
  onExecuted: (expr: string) => void;
  onRemove?: () => void;
  onDuplicate: () => void;
}) {
  const { panel, onChange } = props;
  const editor = useRef<EditorHandle>(null);
  const [tick, setTick] = useState(0);
  const [explorer, setExplorer] = useState(false);

  const execute = (text: string) => {
    const expr = text.trim();
    props.onExecuted(expr);
    if (expr !== panel.expr) onChange({ expr });
    setTick((t) => t + 1);
  };

  // The URL changed the expression (back to an empty page, a link): the editor shows it.
  useEffect(() => {
    const h = editor.current;
    if (h && h.getValue().trim() !== panel.expr) h.setValue(panel.expr);
  }, [panel.expr]);

  // Auto-refresh re-runs the table or graph query; a hidden tab (another browser tab) skips its turns.
  useEffect(() => {
    if (panel.refresh <= 0 || panel.expr === "" || panel.tab === "explain") return;
    const id = setInterval(() => {
      if (document.visibilityState === "visible") setTick((t) => t + 1);
    }, panel.refresh * 1000);
    return () => clearInterval(id);
  }, [panel.refresh, panel.expr, panel.tab]);

  const label = `Expression of panel ${props.index + 1}`;
  return (
    <section className={classes.panel} data-testid="query-panel" data-panel-index={props.index} aria-label={`Query panel ${props.index + 1}`}>
      <Stack gap="sm">
        <Group gap="xs" align="flex-start" wrap="wrap" justify="flex-end">
          <PromQLEditor ref={editor} initialValue={panel.expr} onExecute={execute} history={props.history} label={label} />
          <Menu position="bottom-end" withinPortal width={420}>
            <Menu.Target>
              <Tooltip label="Query history">
                <ActionIcon variant="default" size={38} aria-label="Query history" data-testid="history-button">
                  <IconHistory size={18} />
                </ActionIcon>
              </Tooltip>
            </Menu.Target>
            <Menu.Dropdown mah={400} style={{ overflowY: "auto", maxWidth: "calc(100vw - 24px)" }}>
              {props.history.length === 0 ? (
                <Menu.Label>No queries run yet: the last 50 appear here.</Menu.Label>
              ) : (
                <>
                  <Menu.Label>Last {props.history.length} queries</Menu.Label>
                  {props.history.map((h) => (
                    <Menu.Item
                      key={h}
                      ff="monospace"
                      fz="sm"
                      style={{ overflowWrap: "anywhere" }}
                      onClick={() => {
                        editor.current?.setValue(h);
                        execute(h);
                      }}
                    >
                      {h}
                    </Menu.Item>
                  ))}
                </>
              )}
            </Menu.Dropdown>
          </Menu>
          <Tooltip label="Metrics explorer">
            <ActionIcon
              variant="default"
              size={38}
              aria-label="Open the metrics explorer"
              data-testid="metrics-explorer-button"
              onClick={() => setExplorer(true)}
            >
              <IconBook2 size={18} />
            </ActionIcon>
          </Tooltip>
          <Tooltip label="Enter or Ctrl+Enter runs the query, Shift+Enter starts a new line" openDelay={300}>
            <Button
              leftSection={<IconPlayerPlay size={16} />}
              h={38}
              px="sm"
              data-testid="execute-button"
              aria-label="Execute the query (Ctrl+Enter)"
              onClick={() => editor.current && execute(currentText(editor.current))}
            >
              Execute
            </Button>
          </Tooltip>
        </Group>
        <MetricsExplorer
          opened={explorer}
          onClose={() => setExplorer(false)}
          onSelect={(name) => {
            setExplorer(false);
            editor.current?.insert(name);
          }}
        />
        <Tabs value={panel.tab} onChange={(v) => v && onChange({ tab: v as Tab })} keepMounted={false}>
          <Group justify="space-between" gap="xs" wrap="wrap" align="flex-end">
            <Tabs.List style={{ flexWrap: "nowrap" }}>
              <Tabs.Tab value="table" leftSection={<IconTable size={16} />} data-testid="tab-table">
                Table
              </Tabs.Tab>
              <Tabs.Tab value="graph" leftSection={<IconChartLine size={16} />} data-testid="tab-graph">
                Graph
              </Tabs.Tab>
              <Tabs.Tab value="explain" leftSection={<IconSitemap size={16} />} data-testid="tab-explain">
                Explain
              </Tabs.Tab>
            </Tabs.List>
            <Group gap="xs" wrap="nowrap">
              {panel.tab !== "explain" && <RefreshSelect value={panel.refresh} onChange={(refresh) => onChange({ refresh })} />}
              <Menu position="bottom-end" withinPortal closeOnItemClick={false}>
                <Menu.Target>
                  <ActionIcon variant="default" size="lg" aria-label="Panel options" data-testid="panel-menu">
                    <IconDots size={18} />
                  </ActionIcon>
                </Menu.Target>
                <Menu.Dropdown>
                  <Menu.Item>
                    <Switch
                      label="Show the expression tree above the result"
                      checked={panel.showTree}
                      onChange={(e) => onChange({ showTree: e.currentTarget.checked })}
                    />
                  </Menu.Item>
                  <Menu.Item leftSection={<IconCopy size={16} />} onClick={props.onDuplicate}>
                    Duplicate panel
                  </Menu.Item>
                  {props.onRemove && (
                    <Menu.Item leftSection={<IconTrash size={16} />} color="red" onClick={props.onRemove} data-testid="remove-panel">
                      Remove panel
                    </Menu.Item>
                  )}
                </Menu.Dropdown>
              </Menu>
            </Group>
          </Group>
          <Stack gap="sm" pt="sm">
            {panel.expr === "" ? (
              <EmptyPanel onExplore={() => setExplorer(true)} />
            ) : (
              <>
                {panel.showTree && panel.tab !== "explain" && (
                  <ExplainView expr={panel.expr} time={panel.moment ?? undefined} onQuery={(e) => { editor.current?.setValue(e); execute(e); }} />
                )}
                <Tabs.Panel value="table">
                  <Stack gap="sm">
                    <TimeInput
                      value={panel.moment}
                      onChange={(moment) => onChange({ moment })}
                      utc={panel.utc}
                      shift={Math.max(60, Math.round(panel.range / 2))}
                      label="Evaluation time"
                      testId="moment-input"
                    />
                    <TableView expr={panel.expr} time={panel.moment} tick={tick} />
                  </Stack>
                </Tabs.Panel>
                <Tabs.Panel value="graph">
                  <GraphView panel={panel} tick={tick} onChange={onChange} />
                </Tabs.Panel>
                <Tabs.Panel value="explain">
                  <ExplainView
                    expr={panel.expr}
                    time={panel.moment ?? undefined}
                    onQuery={(e) => {
                      editor.current?.setValue(e);
                      execute(e);
                    }}
                  />
                </Tabs.Panel>
              </>
            )}
          </Stack>
        </Tabs>
      </Stack>
    </section>
  );
}

function currentText(h: EditorHandle): string {
  return h.getValue();
}

function EmptyPanel({ onExplore }: { onExplore: () => void }) {
  return (
    <Stack align="center" gap="xs" py="lg" data-testid="empty-panel">
      <Text c="dimmed" ta="center">
        No expression yet. Type PromQL above (completion offers metric names, labels and functions) and press Execute
        or Ctrl+Enter.
      </Text>
      <Button variant="light" leftSection={<IconBook2 size={16} />} onClick={onExplore}>
        Browse metrics
      </Button>
    </Stack>
  );
}
