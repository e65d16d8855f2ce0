import { Alert, Badge, Group, Stack, Text } from "@mantine/core";
import { api, type Labels } from "../../api";
import { ApiErrorAlert, PageLoader } from "../../components/Status";
import { useApi } from "../../components/useApi";
import { LabelBadges } from "../targets/LabelBadges";
import classes from "../targets/targets.module.css";
import { droppingStep, ruleFields, stepDiff } from "./sdModel";

/**
 * The pool's relabel rules run on one target's discovered labels, step by step (asked of the server when opened):
 * each rule with the labels after it, what it set in green and what it removed struck through, the dropping rule in red.
 */
export function RelabelStepsView({ pool, discovered, dropped }: { pool: string; discovered: Labels; dropped: boolean }) {
  // Keyed by the labels' text: an auto-refresh brings equal labels in a new object, which need not be asked again.
  const labelsKey = JSON.stringify(discovered);
  const { data, error } = useApi((signal) => api.relabelSteps(pool, discovered, signal), [pool, labelsKey]);
  if (error) return <ApiErrorAlert error={error} title="Could not run the relabelling steps" />;
  if (!data) return <PageLoader what="relabelling steps" />;
  const steps = data.steps;
  const drop = droppingStep(steps);
  return (
    <Stack gap="xs" data-testid="relabel-steps">
      {steps.length === 0 && (
        <Text size="sm" c="dimmed">
          The scrape pool “{pool}” has no <code>relabel_configs</code>: the target labels are the discovered labels
          without the <code>__</code> ones, plus <code>instance</code>.
        </Text>
      )}
      {steps.map((s, i) => {
        const before = i === 0 ? discovered : steps[i - 1].output;
        const d = stepDiff(before, s.output);
        const fields = ruleFields(s.rule);
        const isDrop = i === drop;
        const afterDrop = drop >= 0 && i > drop;
        if (afterDrop) {
          return (
            <div key={i} className={classes.detail} style={{ opacity: 0.7 }} data-testid="relabel-step" data-keep={false}>
              <Text size="sm">
                <b>Rule {i + 1}: {s.rule.action ?? "replace"}</b>{" "}
                <span className={classes.muted}>not run: the target was dropped by rule {drop + 1}</span>
              </Text>
            </div>
          );
        }
        return (
          <div
            key={i}
            className={classes.detail}
            style={
              isDrop
                ? { borderStyle: "solid", borderColor: "var(--mantine-color-red-filled)", background: "var(--mantine-color-red-light)" }
                : undefined
            }
            data-testid="relabel-step"
            data-keep={s.keep}
          >
            <Group gap="xs" mb={4} wrap="wrap">
              <Text fw={600} size="sm">
                Rule {i + 1}: {s.rule.action ?? "replace"}
              </Text>
              {isDrop && (
                <Badge color="red" data-testid="relabel-drop-step">
                  dropped the target here
                </Badge>
              )}
              {!isDrop && d.changed.size === 0 && Object.keys(d.removed).length === 0 && (
                <Text size="sm" c="dimmed">
                  (no change)
                </Text>
              )}
            </Group>
            {fields.length > 0 && (
              <div style={{ display: "flex", flexWrap: "wrap", gap: "2px 16px", marginBottom: 6 }}>
                {fields.map(([k, v]) => (
                  <Text key={k} size="sm" ff="monospace" style={{ overflowWrap: "anywhere" }}>
                    <span className={classes.labelName}>{k}: </span>
                    {v}
                  </Text>
                ))}
              </div>
            )}
            {!isDrop && <LabelBadges labels={s.output} added={d.changed} removed={d.removed} />}
          </div>
        );
      })}
      {dropped && drop < 0 && (
        <Alert color="yellow" title="Every rule kept this target">
          It was dropped after relabelling because its labels are not a valid target (for example no{" "}
          <code>__address__</code>, or a scrape timeout longer than its interval); the server's log names the reason.
        </Alert>
      )}
    </Stack>
  );
}
