// The pickers of a query panel: range, end time / evaluation time, resolution, auto-refresh.

import { ActionIcon, Group, Menu, Select, TextInput, Tooltip } from "@mantine/core";
import { IconChevronDown, IconChevronLeft, IconChevronRight, IconMinus, IconPlus, IconX } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import { formatDuration, formatInputTime, parseDuration, parseInputTime, rangeSteps, stepRange } from "./duration";
import { effectiveStep, type PanelState, refreshIntervals, type Resolution } from "./urlState";

/** A text field that keeps what the user types until Enter or leaving it, then commits it if it is valid. */
function CommitInput(props: {
  value: string;
  parse: (text: string) => boolean;
  commit: (text: string) => void;
  label: string;
  placeholder?: string;
  width: number;
  testId: string;
  rightSection?: React.ReactNode;
}) {
  const [text, setText] = useState(props.value);
  const [bad, setBad] = useState(false);
  useEffect(() => {
    setText(props.value);
    setBad(false);
  }, [props.value]);
  const done = () => {
    if (text === props.value) return;
    if (props.parse(text)) {
      setBad(false);
      props.commit(text);
    } else {
      setBad(true);
    }
  };
  return (
    <TextInput
      aria-label={props.label}
      placeholder={props.placeholder}
      value={text}
      w={props.width}
      error={bad}
      title={bad ? `Not a valid ${props.label.toLowerCase()}` : props.label}
      data-testid={props.testId}
      rightSection={props.rightSection}
      onChange={(e) => setText(e.currentTarget.value)}
      onBlur={done}
      onKeyDown={(e) => {
        if (e.key === "Enter") done();
        if (e.key === "Escape") setText(props.value);
      }}
      ff="monospace"
    />
  );
}

/** Range: shorter/longer buttons, free text ("1h30m"), and the usual ranges in a menu. */
export function RangeInput({ range, onChange }: { range: number; onChange: (range: number) => void }) {
  return (
    <Group gap={4} wrap="nowrap">
      <Tooltip label="Shorter range">
        <ActionIcon variant="default" size="lg" aria-label="Shorter range" onClick={() => onChange(stepRange(range, -1))}>
          <IconMinus size={16} />
        </ActionIcon>
      </Tooltip>
      <CommitInput
        value={formatDuration(range)}
        parse={(t) => parseDuration(t) !== undefined}
        commit={(t) => onChange(parseDuration(t)!)}
        label="Range"
        width={96}
        testId="range-input"
        rightSection={
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <ActionIcon variant="subtle" size="sm" aria-label="Pick a range">
                <IconChevronDown size={14} />
              </ActionIcon>
            </Menu.Target>
            <Menu.Dropdown>
              {rangeSteps.map((r) => (
                <Menu.Item key={r} onClick={() => onChange(r)} ff="monospace">
                  {formatDuration(r)}
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
        }
      />
      <Tooltip label="Longer range">
        <ActionIcon variant="default" size="lg" aria-label="Longer range" onClick={() => onChange(stepRange(range, 1))}>
          <IconPlus size={16} />
        </ActionIcon>
      </Tooltip>
    </Group>
  );
}

/**
 * A time ("now" when null): back and forward by `shift` seconds, free text "YYYY-MM-DD HH:mm:ss" in local time or
 * UTC, and a button back to now.
 */
export function TimeInput(props: {
  value: number | null;
  onChange: (t: number | null) => void;
  utc: boolean;
  shift: number;
  label: string;
  testId: string;
}) {
  const { value, onChange, utc, shift, label } = props;
  const base = () => value ?? Math.floor(Date.now() / 1000);
  const move = (dir: 1 | -1) => {
    const t = base() + dir * shift;
    onChange(t >= Date.now() / 1000 ? null : Math.round(t));
  };
  return (
    <Group gap={4} wrap="nowrap">
      <Tooltip label={`Back ${formatDuration(shift)}`}>
        <ActionIcon variant="default" size="lg" aria-label={`${label}: back ${formatDuration(shift)}`} onClick={() => move(-1)}>
          <IconChevronLeft size={16} />
        </ActionIcon>
      </Tooltip>
      <CommitInput
        value={value === null ? "" : formatInputTime(value, utc)}
        parse={(t) => t.trim() === "" || parseInputTime(t, utc) !== undefined}
        commit={(t) => onChange(t.trim() === "" ? null : parseInputTime(t, utc)!)}
        label={`${label} (${utc ? "UTC" : "local time"}, YYYY-MM-DD HH:mm:ss)`}
        placeholder={`${label}: now`}
        width={206}
        testId={props.testId}
        rightSection={
          value !== null ? (
            <ActionIcon variant="subtle" size="sm" aria-label={`${label}: back to now`} onClick={() => onChange(null)}>
              <IconX size={14} />
            </ActionIcon>
          ) : undefined
        }
      />
      <Tooltip label={`Forward ${formatDuration(shift)}`}>
        <ActionIcon
          variant="default"
          size="lg"
          aria-label={`${label}: forward ${formatDuration(shift)}`}
          onClick={() => move(1)}
          disabled={value === null}
        >
          <IconChevronRight size={16} />
        </ActionIcon>
      </Tooltip>
    </Group>
  );
}

const resolutionChoices = [
  { value: "auto:low", label: "Auto, low (range/100)" },
  { value: "auto:medium", label: "Auto (range/250)" },
  { value: "auto:high", label: "Auto, high (range/1000)" },
  { value: "custom", label: "Fixed step" },
];

/** Resolution: automatic (by density) or a fixed step typed in seconds or as a duration. */
export function ResolutionInput({ panel, onChange }: { panel: PanelState; onChange: (r: Resolution) => void }) {
  const r = panel.resolution;
  const choice = r.type === "auto" ? `auto:${r.density}` : "custom";
  const step = effectiveStep(panel);
  return (
    <Group gap={4} wrap="nowrap">
      <Select
        aria-label="Resolution"
        data={resolutionChoices}
        value={choice}
        allowDeselect={false}
        w={choice === "custom" ? 130 : 200}
        data-testid="resolution-select"
        onChange={(v) => {
          if (!v) return;
          if (v === "custom") onChange({ type: "custom", step });
          else onChange({ type: "auto", density: v.slice(5) as "low" | "medium" | "high" });
        }}
      />
      {r.type === "auto" ? (
        <Tooltip label="The step this range uses">
          <span style={{ fontSize: "var(--mantine-font-size-sm)", color: "var(--mantine-color-dimmed)", whiteSpace: "nowrap" }}>
            step {formatDuration(step)}
          </span>
        </Tooltip>
      ) : (
        <CommitInput
          value={formatDuration(r.step)}
          parse={(t) => parseDuration(t) !== undefined}
          commit={(t) => onChange({ type: r.type, step: parseDuration(t)! })}
          label="Step (seconds or a duration)"
          width={90}
          testId="step-input"
        />
      )}
    </Group>
  );
}

/** Auto-refresh: off or every 5s … 5m. */
export function RefreshSelect({ value, onChange }: { value: number; onChange: (v: number) => void }) {
  return (
    <Select
      aria-label="Auto-refresh"
      data={refreshIntervals.map((s) => ({ value: String(s), label: s === 0 ? "No refresh" : `Every ${formatDuration(s)}` }))}
      value={String(value)}
      allowDeselect={false}
      w={130}
      data-testid="refresh-select"
      onChange={(v) => v !== null && onChange(Number(v))}
    />
  );
}
