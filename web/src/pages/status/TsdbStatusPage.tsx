import { Alert, Anchor, Card, Group, Progress, SegmentedControl, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { Link, useSearchParams } from "react-router-dom";
import { api, type TsdbStat } from "../../api";
import { ApiErrorAlert, PageLoader } from "../../components/Status";
import { useApi } from "../../components/useApi";
import { formatTime } from "../../format";
import { StatCard } from "./parts";
import {
  cardinalityQuery,
  formatBytes,
  formatDuration,
  formatNumber,
  formatShare,
  parseLimit,
  queryUrl,
  seriesPerJob,
  share,
  tsdbLimits,
} from "./statusLogic";

interface TableSpec {
  title: string;
  /** The API field, also the table's data-testid suffix. */
  field: "seriesCountByMetricName" | "labelValueCountByLabelName" | "memoryInBytesByLabelName" | "seriesCountByLabelValuePair";
  nameHeader: string;
  valueHeader: string;
  /** What each row's bar is a share of. */
  shareOf: string;
  query: (name: string) => string;
}

const tables: TableSpec[] = [
  {
    title: "Top metrics by series",
    field: "seriesCountByMetricName",
    nameHeader: "Metric",
    valueHeader: "Series",
    shareOf: "of head series",
    query: cardinalityQuery.metric,
  },
  {
    title: "Label names by value count",
    field: "labelValueCountByLabelName",
    nameHeader: "Label name",
    valueHeader: "Values",
    shareOf: "of label pairs",
    query: cardinalityQuery.labelName,
  },
  {
    title: "Label names by memory",
    field: "memoryInBytesByLabelName",
    nameHeader: "Label name",
    valueHeader: "Bytes",
    shareOf: "of the largest",
    query: cardinalityQuery.labelName,
  },
  {
    title: "Label pairs by series",
    field: "seriesCountByLabelValuePair",
    nameHeader: "Label pair",
    valueHeader: "Series",
    shareOf: "of head series",
    query: cardinalityQuery.labelPair,
  },
];

/**
 * One cardinality table: each row's name links to the query that shows it, with a bar for its share of `total`
 * under the name (two columns, so it fits a phone). data-value holds the API's number exactly.
 */
function CardinalityTable({ spec, rows, total }: { spec: TableSpec; rows: TsdbStat[]; total: number }) {
  return (
    <Card withBorder radius="md" p="sm" data-testid={`card-table-${spec.field}`}>
      <Title order={4} mb="xs">
        {spec.title}
      </Title>
      {rows.length === 0 ? (
        <Text c="dimmed">Nothing in the head yet: the table fills once samples are scraped or written.</Text>
      ) : (
        <Table verticalSpacing={6} layout="fixed">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{spec.nameHeader}</Table.Th>
              <Table.Th w={100} ta="right">
                {spec.valueHeader}
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => {
              const pct = share(r.value, total);
              return (
                <Table.Tr key={r.name} data-testid="card-row" data-name={r.name} data-value={r.value}>
                  <Table.Td>
                    <Anchor
                      component={Link}
                      to={queryUrl(spec.query(r.name))}
                      ff="monospace"
                      fz="sm"
                      style={{ overflowWrap: "anywhere" }}
                      title={`Query: ${spec.query(r.name)}`}
                    >
                      {r.name}
                    </Anchor>
                    <Progress value={pct} size="sm" mt={4} aria-label={`${formatShare(pct)} ${spec.shareOf}`} />
                  </Table.Td>
                  <ShareCell value={r.value} pct={pct} />
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      <Text size="sm" c="dimmed" mt="xs">
        Bars: share {spec.shareOf}. A name opens its query.
      </Text>
    </Card>
  );
}

/** Series per job, from an instant query (its own loading and error). */
function SeriesPerJob({ total }: { total: number | undefined }) {
  const q = useApi((s) => api.query(cardinalityQuery.perJob, undefined, s), []);
  const rows = q.data && q.data.data.resultType === "vector" ? seriesPerJob(q.data.data.result) : [];
  const sum = rows.reduce((a, r) => a + r.series, 0);
  return (
    <Card withBorder radius="md" p="sm" data-testid="series-per-job">
      <Group justify="space-between" mb="xs">
        <Title order={4}>Series per job</Title>
        <Anchor component={Link} to={queryUrl(cardinalityQuery.perJob)} size="sm">
          open query
        </Anchor>
      </Group>
      {q.error ? (
        <ApiErrorAlert error={q.error} />
      ) : !q.data ? (
        <PageLoader what="series per job" />
      ) : rows.length === 0 ? (
        <Text c="dimmed">No series with a sample in the last 5 minutes: once targets are scraped, their jobs appear here.</Text>
      ) : (
        <Table verticalSpacing={6} layout="fixed">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Job</Table.Th>
              <Table.Th w={100} ta="right">
                Series
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => {
              const pct = share(r.series, sum);
              const expr = cardinalityQuery.job(r.job);
              return (
                <Table.Tr key={r.job} data-testid="job-row" data-name={r.job} data-value={r.series}>
                  <Table.Td>
                    <Anchor component={Link} to={queryUrl(expr)} fz="sm" ff="monospace" style={{ overflowWrap: "anywhere" }}>
                      {r.job === "" ? "(no job label)" : r.job}
                    </Anchor>
                    <Progress value={pct} size="sm" mt={4} color="teal" aria-label={`${formatShare(pct)} of series`} />
                  </Table.Td>
                  <ShareCell value={r.series} pct={pct} />
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      <Text size="sm" c="dimmed" mt="xs">
        Series with a recent sample{total !== undefined ? `, of ${formatNumber(total)} in the head` : ""}.
      </Text>
    </Card>
  );
}

export function TsdbStatusPage() {
  const [params, setParams] = useSearchParams();
  const limit = parseLimit("?" + params.toString());
  const st = useApi((s) => api.tsdbStatus(limit, s), [limit]);
  const d = st.data;
  const h = d?.headStats;
  const b = d?.blockStats;
  const empty = h !== undefined && h.numSeries === 0;

  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end">
        <Title order={2}>TSDB status</Title>
        <Group gap="xs">
          <Text size="sm" id="tsdb-limit-label">
            Rows per table
          </Text>
          <SegmentedControl
            aria-labelledby="tsdb-limit-label"
            data-testid="tsdb-limit"
            value={String(limit)}
            onChange={(v) => setParams((p) => (p.set("limit", v), p), { replace: true })}
            data={tsdbLimits.map((l) => String(l))}
          />
        </Group>
      </Group>
      {st.error && <ApiErrorAlert error={st.error} />}
      {!d && !st.error && <PageLoader what="the TSDB's statistics" />}
      {h && (
        <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }}>
          <StatCard label="Head series" value={formatNumber(h.numSeries)} testid="head-num-series" raw={h.numSeries} />
          <StatCard label="Head chunks" value={formatNumber(h.chunkCount)} testid="head-chunk-count" raw={h.chunkCount} />
          <StatCard label="Label pairs" value={formatNumber(h.numLabelPairs)} testid="head-num-label-pairs" raw={h.numLabelPairs} />
          <StatCard
            label="Head min time"
            value={empty ? "—" : formatTime(new Date(h.minTime))}
            testid="head-min-time"
            small
            raw={h.minTime}
          />
          <StatCard
            label="Head max time"
            value={empty ? "—" : formatTime(new Date(h.maxTime))}
            hint={empty ? undefined : `spans ${formatDuration(h.maxTime - h.minTime)}`}
            testid="head-max-time"
            small
            raw={h.maxTime}
          />
        </SimpleGrid>
      )}
      {b && (
        <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }}>
          <StatCard label="Blocks on disk" value={formatNumber(b.numBlocks)} testid="block-num-blocks" raw={b.numBlocks} />
          <StatCard label="Samples in blocks" value={formatNumber(b.numSamples)} testid="block-num-samples" raw={b.numSamples} />
          <StatCard label="Block bytes" value={formatBytes(b.bytes)} testid="block-bytes" raw={b.bytes} />
          <StatCard label="WAL size" value={formatBytes(b.walBytes)} testid="wal-bytes" raw={b.walBytes} />
          <StatCard
            label="Blocks span"
            value={b.numBlocks > 0 ? formatDuration(b.maxTime - b.minTime) : "—"}
            small={b.numBlocks > 0}
            hint={b.numBlocks > 0 ? `from ${formatTime(new Date(b.minTime))}` : "no block cut yet"}
            testid="block-span"
            raw={b.numBlocks > 0 ? b.maxTime - b.minTime : 0}
          />
        </SimpleGrid>
      )}
      {(d?.quarantinedBlocks?.length ?? 0) > 0 && (
        <Alert color="orange" title="Damaged blocks moved aside (not served)">
          {d!.quarantinedBlocks!.map((q) => (
            <Text key={q.ulid} size="sm" style={{ overflowWrap: "anywhere" }}>
              {q.path}: {q.reason}
            </Text>
          ))}
        </Alert>
      )}
      {empty && (
        <Alert color="blue" title="The head is empty">
          No series are stored yet. Add scrape targets to the configuration (see Configuration) or write samples with
          remote write; the tables fill as samples arrive.
        </Alert>
      )}
      {d && h && (
        <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
          {tables.map((t) => {
            const rows = d[t.field];
            const total =
              t.field === "labelValueCountByLabelName"
                ? h.numLabelPairs
                : t.field === "memoryInBytesByLabelName"
                  ? Math.max(0, ...rows.map((r) => r.value))
                  : h.numSeries;
            return <CardinalityTable key={t.field} spec={t} rows={rows} total={total} />;
          })}
          <SeriesPerJob total={h.numSeries} />
        </SimpleGrid>
      )}
    </Stack>
  );
}

/** A table row's count and its share, right-aligned in its own column. */
function ShareCell({ value, pct }: { value: number; pct: number }) {
  return (
    <Table.Td ta="right" style={{ verticalAlign: "top" }}>
      <Text fw={600} style={{ fontVariantNumeric: "tabular-nums" }}>
        {formatNumber(value)}
      </Text>
      <Text size="sm" c="dimmed">
        {formatShare(pct)}
      </Text>
    </Table.Td>
  );
}
