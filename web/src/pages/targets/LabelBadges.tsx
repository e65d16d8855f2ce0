import type { Labels } from "../../api";
import { sortedLabels } from "./targetsModel";
import classes from "./targets.module.css";

/**
 * Labels as name="value" badges that wrap; plain spans (a list of 10,000 targets renders these for every visible
 * row). `added`/`removed` mark what a relabel step changed.
 */
export function LabelBadges({
  labels,
  added,
  removed,
  testId,
}: {
  labels: Labels;
  added?: ReadonlySet<string>;
  removed?: Labels;
  testId?: string;
}) {
  const entries = sortedLabels(labels);
  const gone = removed ? sortedLabels(removed) : [];
  if (entries.length === 0 && gone.length === 0) {
    return <span className={classes.muted}>no labels</span>;
  }
  return (
    <div className={classes.labels} data-testid={testId}>
      {entries.map(([n, v]) => (
        <span key={n} className={added?.has(n) ? `${classes.label} ${classes.labelAdded}` : classes.label}>
          <span className={classes.labelName}>{n}=</span>"{v}"
        </span>
      ))}
      {gone.map(([n, v]) => (
        <span key={"-" + n} className={`${classes.label} ${classes.labelRemoved}`} title="removed by this step">
          <span className={classes.labelName}>{n}=</span>"{v}"
        </span>
      ))}
    </div>
  );
}
