import { Anchor, Badge, Group, Progress, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { Link } from "react-router-dom";
import { api, type InstantSeries } from "../api";
import { useApi } from "../components/useApi";
import { formatTime } from "../format";
import { LinkedCard, useEvery, useNow, useTone } from "./status/parts";
import {
  formatBytes,
  formatDuration,
  formatNumber,
  formatRate,
  healthByJob,
  parseRetention,
  pickSelf,
  queryUrl,
  recentScrapeErrors,
  retentionLeft,
  storedFromTsdb,
} from "./status/statusLogic";

/** Ariane's own counter of appended samples (the ariane_ name: Prometheus servers it scrapes do not match). */
const samplesQuery = "rate(ariane_tsdb_head_samples_appended_total[1m])";
/** When Ariane does not scrape itself: what its scrapes ingest, from the samples each scrape kept. */
const scrapedSamplesQuery = "sum(sum_over_time(scrape_samples_post_metric_relabeling[1m])) / 60";

interface Ingest {
  /** Samples per second, when known. */
  rate?: number;
  /** The query the number came from (the card links to its graph). */
  query: string;
  /** True when estimated from scrapes because Ariane does not scrape its own /metrics. */
  estimated: boolean;
}

const firstValue = (r: { data: { resultType: string; result: unknown } }): InstantSeries[] =>
  r.data.resultType === "vector" ? (r.data.result as InstantSeries[]) : [];

async function loadIngest(signal: AbortSignal): Promise<Ingest> {
  const self = pickSelf(firstValue(await api.query(samplesQuery, undefined, signal)), window.location.host);
  if (self?.value) return { rate: Number(self.value[1]), query: samplesQuery, estimated: false };
  const est = firstValue(await api.query(scrapedSamplesQuery, undefined, signal))[0];
  return { rate: est?.value ? Number(est.value[1]) : undefined, query: scrapedSamplesQuery, estimated: true };
}

const big = { fz: 28, fw: 700, lh: 1.2 } as const;

export function HomePage() {
  const targets = useApi((s) => api.targets("active", s), []);
  const ingest = useApi(loadIngest, []);
  const tsdb = useApi((s) => api.tsdbStatus(1, s), []);
  const build = useApi((s) => api.buildInfo(s), []);
  const runtime = useApi((s) => api.runtimeInfo(s), []);
  const now = useNow(15_000);
  const tone = useTone();
  // A dashboard: the live numbers refresh every 15 s (the last answer stays shown meanwhile).
  useEvery(15_000, targets.reload);
  useEvery(15_000, ingest.reload);
  useEvery(15_000, tsdb.reload);

  return (
    <Stack>
      <Title order={2}>Overview</Title>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
        <LinkedCard title="Targets" to="/targets" state={targets} testid="home-targets">
          {(t) => {
            const jobs = healthByJob(t.activeTargets);
            const up = jobs.reduce((a, j) => a + j.up, 0);
            const down = jobs.reduce((a, j) => a + j.down, 0);
            return (
              <>
                {jobs.length === 0 ? (
                  <Text c="dimmed">No scrape targets: add scrape_configs to the configuration file.</Text>
                ) : (
                  <Group gap="xs" align="baseline">
                    <Text {...big} c={tone.good} data-testid="home-targets-up" data-value={up}>
                      {formatNumber(up)} up
                    </Text>
                    {down > 0 && (
                      <Text {...big} c={tone.bad} data-testid="home-targets-down" data-value={down}>
                        {formatNumber(down)} down
                      </Text>
                    )}
                  </Group>
                )}
                {jobs.map((j) => (
                  <Group key={j.job} justify="space-between" wrap="nowrap" data-testid="home-job" data-name={j.job}>
                    <Text style={{ overflowWrap: "anywhere" }}>{j.job}</Text>
                    <Text c={j.down > 0 ? tone.bad : j.unknown > 0 ? "dimmed" : tone.good} style={{ whiteSpace: "nowrap" }}>
                      {j.up} up{j.down > 0 ? `, ${j.down} down` : ""}
                      {j.unknown > 0 ? `, ${j.unknown} pending` : ""}
                    </Text>
                  </Group>
                ))}
              </>
            );
          }}
        </LinkedCard>

        <LinkedCard title="Recent scrape errors" to="/targets" state={targets} testid="home-scrape-errors">
          {(t) => {
            const errs = recentScrapeErrors(t.activeTargets, 4);
            const failing = t.activeTargets.filter((x) => x.lastError !== "").length;
            if (t.activeTargets.length === 0) {
              return <Text c="dimmed">No targets are scraped, so there are no scrape errors.</Text>;
            }
            if (errs.length === 0) {
              return <Text c={tone.good}>No errors: every target's last scrape succeeded.</Text>;
            }
            return (
              <>
                {errs.map((e) => (
                  <Stack key={e.scrapeUrl + e.scrapePool} gap={0} data-testid="home-scrape-error">
                    <Text fw={600} style={{ overflowWrap: "anywhere" }}>
                      {e.scrapePool} · {e.labels.instance ?? e.scrapeUrl}
                    </Text>
                    <Text size="sm" c="dimmed">
                      {formatTime(new Date(e.lastScrape))}
                    </Text>
                    <Text size="sm" c={tone.bad} style={{ overflowWrap: "anywhere" }}>
                      {e.lastError}
                    </Text>
                  </Stack>
                ))}
                {failing > errs.length && (
                  <Anchor component={Link} to="/targets" size="sm">
                    {failing - errs.length} more failing {failing - errs.length === 1 ? "target" : "targets"}
                  </Anchor>
                )}
              </>
            );
          }}
        </LinkedCard>

        <LinkedCard
          title="Samples ingested"
          to={queryUrl(ingest.data?.query ?? samplesQuery, "graph")}
          state={ingest}
          testid="home-samples"
        >
          {(i) =>
            i.rate === undefined ? (
              <Text c="dimmed">
                No samples in the last minute yet: the rate appears once targets have been scraped for a minute.
              </Text>
            ) : (
              <>
                <Text {...big} data-testid="home-samples-rate" data-value={i.rate}>
                  {formatRate(i.rate)}
                </Text>
                <Text size="sm" c="dimmed">
                  {i.estimated
                    ? "from the samples scraped in the last minute (Ariane does not scrape its own /metrics, so remote-written samples are not counted)"
                    : "appended to the head, over the last minute"}
                </Text>
              </>
            )
          }
        </LinkedCard>

        <LinkedCard title="Head series" to="/tsdb-status" state={tsdb} testid="home-head-series">
          {(t) => (
            <>
              <Text {...big} data-testid="home-head-series-value" data-value={t.headStats.numSeries}>
                {formatNumber(t.headStats.numSeries)}
              </Text>
              <Text size="sm" c="dimmed">
                {formatNumber(t.headStats.chunkCount)} chunks, {formatNumber(t.headStats.numLabelPairs)} label pairs
              </Text>
            </>
          )}
        </LinkedCard>

        <LinkedCard title="Storage and retention" to="/status" state={tsdb} testid="home-storage">
          {(t) => {
            const stored = storedFromTsdb(t);
            const retention = runtime.data?.storageRetention;
            const r = retention !== undefined ? parseRetention(retention) : undefined;
            const left = r ? retentionLeft(r, stored, now) : undefined;
            return (
              <>
                <Text {...big} data-testid="home-storage-used" data-value={stored.bytes}>
                  {formatBytes(stored.bytes)}
                </Text>
                <Text size="sm" c="dimmed">
                  used: blocks {formatBytes(stored.blockBytes)}, WAL {formatBytes(stored.walBytes)}
                </Text>
                {r === undefined ? (
                  runtime.error ? (
                    <Text size="sm" c={tone.bad}>
                      Retention unknown: {runtime.error.message}
                    </Text>
                  ) : null
                ) : r.timeMs === undefined && r.bytes === undefined ? (
                  <Text size="sm">No retention limit: nothing is deleted.</Text>
                ) : (
                  <>
                    {left?.timeLeftMs !== undefined && (
                      <Stack gap={2}>
                        <Text size="sm" data-testid="home-retention-time-left">
                          <b>{formatDuration(left.timeLeftMs)}</b> left of {formatDuration(r.timeMs!)} retention
                          {left.spanMs !== undefined ? `; data reaches back ${formatDuration(left.spanMs)}` : ""}
                        </Text>
                        <Progress value={(left.timeUsed ?? 0) * 100} size="sm" aria-label="share of time retention used" />
                      </Stack>
                    )}
                    {left?.bytesLeft !== undefined && (
                      <Stack gap={2}>
                        <Text size="sm" data-testid="home-retention-size-left">
                          <b>{formatBytes(left.bytesLeft)}</b> left of the {formatBytes(r.bytes!)} size limit
                        </Text>
                        <Progress value={(left.bytesUsed ?? 0) * 100} size="sm" color="teal" aria-label="share of size retention used" />
                      </Stack>
                    )}
                  </>
                )}
                {stored.oldestMs !== undefined && (
                  <Text size="sm" c="dimmed">
                    oldest sample {formatTime(new Date(stored.oldestMs))}
                  </Text>
                )}
              </>
            );
          }}
        </LinkedCard>

        <LinkedCard title="Build and uptime" to="/status" state={build} testid="home-build">
          {(b) => (
            <>
              <Group gap="xs" align="baseline">
                <Text c="dimmed">version</Text>
                <Text {...big} data-testid="home-version">
                  {b.version}
                </Text>
                {runtime.data && (
                  <Badge color={runtime.data.reloadConfigSuccess ? "green" : "red"} variant="light">
                    {runtime.data.reloadConfigSuccess ? "configuration loaded" : "configuration reload failed"}
                  </Badge>
                )}
              </Group>
              <Text size="sm" c="dimmed" style={{ overflowWrap: "anywhere" }}>
                revision {b.revision ? b.revision.slice(0, 12) : "unknown"}, built {b.buildDate || "unknown"}, {b.goVersion}
              </Text>
              {runtime.error ? (
                <Text size="sm" c={tone.bad}>
                  Uptime unknown: {runtime.error.message}
                </Text>
              ) : (
                runtime.data && (
                  <Text data-testid="home-uptime">
                    up <b>{formatDuration(now - Date.parse(runtime.data.startTime))}</b>, since{" "}
                    {formatTime(new Date(runtime.data.startTime))}
                  </Text>
                )
              )}
            </>
          )}
        </LinkedCard>
      </SimpleGrid>
    </Stack>
  );
}
