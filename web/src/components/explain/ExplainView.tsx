// PLACEHOLDER: replaced by the graph helper's version at merge

export function ExplainView(props: { expr: string; time?: number; onQuery?: (expr: string) => void }) {
  return <div>Explain placeholder: {props.expr}</div>;
}
