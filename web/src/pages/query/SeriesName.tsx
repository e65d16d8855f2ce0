import { Text } from "@mantine/core";
import type { Labels } from "../../api";
import { seriesParts } from "./series";
import classes from "./query.module.css";

/** A series as PromQL writes it, readable: the metric name bold, then the label pieces, which wrap between them. */
export function SeriesName({ metric }: { metric: Labels }) {
  const { name, labels } = seriesParts(metric);
  return (
    <Text component="span" className={classes.seriesName} ff="monospace" fz="sm">
      {name !== undefined && <b>{name}</b>}
      {(labels.length > 0 || name === undefined) && <span className={classes.brace}>{"{"}</span>}
      {labels.map((l, i) => {
        const eq = l.indexOf("=");
        return (
          <span key={i} className={classes.labelPiece}>
            <span className={classes.labelName}>{l.slice(0, eq)}</span>=
            <span className={classes.labelValue}>{l.slice(eq + 1)}</span>
            {i < labels.length - 1 ? ", " : ""}
          </span>
        );
      })}
      {(labels.length > 0 || name === undefined) && <span className={classes.brace}>{"}"}</span>}
    </Text>
  );
}
