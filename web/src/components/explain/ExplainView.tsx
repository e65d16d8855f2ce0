import { Badge, Box, Group, Loader, Stack, Text, Tooltip, UnstyledButton } from "@mantine/core";
import { useEffect, useMemo, useState } from "react";
import { api, ApiError, type QueryData } from "../../api";
import { ApiErrorAlert, PageLoader } from "../Status";
import { useApi } from "../useApi";
import { formatValue } from "../graph/units";
import { flatten, type TreeRow } from "./serialize";

export interface ExplainViewProps {
  /** The expression to explain. */
  expr: string;
  /** The evaluation time of each node's instant query (unix seconds; the server's now when absent). */
  time?: number;
  /** A node's text was clicked: the page queries it. */
  onQuery?: (expr: string) => void;
}

interface NodeResult {
  state: "running" | "done" | "error";
  ms?: number;
  summary?: string;
  /** The node's result is empty: where a query goes empty is what a person looks for. */
  empty?: boolean;
  error?: string;
  warnings?: string[];
}

/** How many nodes are queried at the same time: results come in progressively without flooding the server. */
const PARALLEL = 3;

function summarize(d: QueryData): { summary: string; empty: boolean } {
  switch (d.resultType) {
    case "vector":
    case "matrix": {
      const n = d.result.length;
      return { summary: `${n} series${d.resultType === "matrix" ? " (range vector)" : ""}`, empty: n === 0 };
    }
    case "scalar":
      return { summary: `scalar ${formatValue(+d.result[1])}`, empty: false };
    case "string":
      return { summary: `string ${JSON.stringify(d.result[1])}`, empty: false };
  }
}

/**
 * The expression as a tree, like PromLens: each node's PromQL, its kind, and what it gives when queried alone (the
 * number of series or the scalar, how long it took, its error). Nodes are queried a few at a time, top down.
 */
export function ExplainView({ expr, time, onQuery }: ExplainViewProps) {
  const trimmed = expr.trim();
  const tree = useApi((signal) => (trimmed ? api.parseQuery(trimmed, signal) : Promise.resolve(null)), [trimmed]);
  const rows = useMemo(() => (tree.data ? flatten(tree.data.data, trimmed) : []), [tree.data, trimmed]);
  const [results, setResults] = useState<ReadonlyMap<string, NodeResult>>(new Map());

  useEffect(() => {
    setResults(new Map());
    if (rows.length === 0) return;
    const ctl = new AbortController();
    let next = 0;
    const set = (key: string, r: NodeResult) => {
      if (!ctl.signal.aborted) setResults((prev) => new Map(prev).set(key, r));
    };
    const worker = async () => {
      while (!ctl.signal.aborted && next < rows.length) {
        const row = rows[next++];
        set(row.key, { state: "running" });
        const t0 = performance.now();
        try {
          const a = await api.query(row.text, time, ctl.signal);
          set(row.key, { state: "done", ms: performance.now() - t0, ...summarize(a.data), warnings: a.warnings });
        } catch (e) {
          if (ctl.signal.aborted) return;
          const msg = e instanceof ApiError ? e.message : e instanceof Error ? e.message : String(e);
          set(row.key, { state: "error", ms: performance.now() - t0, error: msg });
        }
      }
    };
    for (let i = 0; i < PARALLEL; i++) void worker();
    return () => ctl.abort();
  }, [rows, time]);

  if (!trimmed) {
    return (
      <Text c="dimmed" py="md" data-testid="explain-empty">
        Enter an expression above to see it as a tree, with what each part returns.
      </Text>
    );
  }
  if (tree.error) return <ApiErrorAlert error={tree.error} title="The expression does not parse" />;
  if (!tree.data) return <PageLoader what="the expression's tree" />;

  return (
    <Stack gap={0} data-testid="explain-view" role="tree" aria-label="The expression as a tree">
      {rows.map((row) => (
        <ExplainRow key={row.key} row={row} result={results.get(row.key)} onQuery={onQuery} />
      ))}
    </Stack>
  );
}

function ExplainRow({ row, result, onQuery }: { row: TreeRow; result?: NodeResult; onQuery?: (expr: string) => void }) {
  const indent = row.depth * 22;
  return (
    <Box
      role="treeitem"
      aria-level={row.depth + 1}
      data-testid="explain-node"
      data-depth={row.depth}
      py={6}
      style={{
        marginLeft: indent,
        paddingLeft: row.depth > 0 ? 12 : 0,
        borderLeft: row.depth > 0 ? "2px solid var(--mantine-color-default-border)" : undefined,
        borderBottom: "1px solid var(--mantine-color-default-border)",
      }}
    >
      <UnstyledButton
        onClick={() => onQuery?.(row.text)}
        disabled={!onQuery}
        data-testid="explain-node-text"
        title={onQuery ? "Query this part alone" : undefined}
        style={{
          fontFamily: "var(--mantine-font-family-monospace)",
          fontSize: 14,
          overflowWrap: "anywhere",
          color: onQuery ? "var(--mantine-color-anchor)" : undefined,
          cursor: onQuery ? "pointer" : "default",
        }}
      >
        {row.text}
      </UnstyledButton>
      <Group gap="xs" mt={2} wrap="wrap">
        <Text size="sm" c="dimmed" data-testid="explain-node-kind">
          {row.kind}
        </Text>
        <NodeResultView result={result} />
      </Group>
    </Box>
  );
}

function NodeResultView({ result }: { result?: NodeResult }) {
  if (!result) {
    return (
      <Text size="sm" c="dimmed" data-testid="explain-node-result" data-state="waiting">
        waiting…
      </Text>
    );
  }
  if (result.state === "running") {
    return (
      <Group gap={4} data-testid="explain-node-result" data-state="running">
        <Loader size={14} aria-label="querying this node" />
        <Text size="sm" c="dimmed">
          querying…
        </Text>
      </Group>
    );
  }
  const took = result.ms !== undefined ? `${Math.round(result.ms)} ms` : "";
  if (result.state === "error") {
    return (
      <Text size="sm" c="red" data-testid="explain-node-result" data-state="error" style={{ overflowWrap: "anywhere" }}>
        error: {result.error} {took && <Text span size="sm" c="dimmed">({took})</Text>}
      </Text>
    );
  }
  return (
    <Group gap={6} data-testid="explain-node-result" data-state="done">
      <Badge variant="light" color={result.empty ? "orange" : "teal"} size="lg" radius="sm" tt="none" style={{ fontWeight: 600 }}>
        {result.empty ? "no series" : result.summary}
      </Badge>
      <Text size="sm" c="dimmed">
        {took}
      </Text>
      {result.warnings && result.warnings.length > 0 && (
        <Tooltip label={result.warnings.join("\n")} multiline maw={400}>
          <Badge variant="outline" color="yellow" size="sm" tabIndex={0}>
            {result.warnings.length} warning{result.warnings.length === 1 ? "" : "s"}
          </Badge>
        </Tooltip>
      )}
    </Group>
  );
}
