// PLACEHOLDER: replaced by the graph helper's version at merge
import type { RangeSeries } from "../../api";

export function TimeSeriesGraph(props: {
  series: RangeSeries[];
  start: number;
  end: number;
  step: number;
  stacked: boolean;
  logScale: boolean;
  utc: boolean;
  unit?: string;
  height?: number;
  onZoom?: (start: number, end: number) => void;
}) {
  return <div style={{ height: props.height ?? 300 }}>{props.series.length} series (graph placeholder)</div>;
}
