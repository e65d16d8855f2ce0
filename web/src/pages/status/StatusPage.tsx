import { Alert, Badge, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { api, type RuntimeInfo, type TsdbStatus, type WalReplay } from "../../api";
import { ApiErrorAlert, PageLoader } from "../../components/Status";
import { useApi } from "../../components/useApi";
import { formatTime } from "../../format";
import { InfoTable, Section, useNow, type InfoRow } from "./parts";
import {
  formatBytes,
  formatDuration,
  formatNumber,
  parseRetention,
  retentionLeft,
  storedFromTsdb,
  walReplayText,
} from "./statusLogic";

/** A label with the API's own field name under it, so a Prometheus user finds the field they know. */
function Field({ label, field }: { label: string; field: string }) {
  return (
    <>
      {label}
      <Text span display="block" size="sm" c="dimmed" ff="monospace">
        {field}
      </Text>
    </>
  );
}

const runtimeFields: Record<string, { label: string; show?: (v: unknown) => ReactNode }> = {
  startTime: { label: "Start time", show: (v) => formatTime(new Date(String(v))) },
  CWD: { label: "Working directory", show: (v) => <Text span ff="monospace" fz="inherit">{String(v)}</Text> },
  reloadConfigSuccess: {
    label: "Configuration reload",
    show: (v) =>
      v ? (
        <Badge color="green" variant="light">
          successful
        </Badge>
      ) : (
        <Badge color="red" variant="light">
          failed
        </Badge>
      ),
  },
  lastConfigTime: { label: "Last configuration load", show: (v) => formatTime(new Date(String(v))) },
  storageRetention: { label: "Storage retention", show: (v) => (String(v) === "" ? "no limit" : String(v)) },
  corruptionCount: { label: "WAL corruptions repaired", show: (v) => formatNumber(Number(v)) },
  goroutineCount: { label: "Thread pool threads", show: (v) => formatNumber(Number(v)) },
  GOMAXPROCS: { label: "Processors", show: (v) => formatNumber(Number(v)) },
  GOMEMLIMIT: { label: "Memory available to the GC", show: (v) => formatBytes(Number(v)) },
  GOGC: { label: "Garbage collector" },
  GODEBUG: { label: "Runtime debug settings", show: (v) => (String(v) === "" ? <Text span c="dimmed" fz="inherit">none</Text> : String(v)) },
};

function runtimeRows(rt: RuntimeInfo, wal: WalReplay | undefined, walError: Error | undefined, now: number): InfoRow[] {
  const rows: InfoRow[] = [];
  const entries = Object.entries(rt) as [string, unknown][];
  for (const [key, v] of entries) {
    const f = runtimeFields[key];
    rows.push({
      label: <Field label={f?.label ?? key} field={key} />,
      value: f?.show ? f.show(v) : String(v),
      testid: `runtime-${key}`,
    });
    if (key === "startTime") {
      rows.push({ label: "Uptime", value: formatDuration(now - Date.parse(rt.startTime)), testid: "runtime-uptime" });
    }
  }
  rows.push({
    label: <Field label="WAL replay" field="walreplay" />,
    value: walError ? (
      <Text span c="var(--mantine-color-error)" fz="inherit">{walError.message}</Text>
    ) : wal ? (
      `${walReplayText(wal)} (segments ${wal.min}–${wal.max}, at ${wal.current})`
    ) : (
      "…"
    ),
    testid: "runtime-walreplay",
  });
  return rows;
}

function storageRows(t: TsdbStatus, retention: string | undefined, now: number): InfoRow[] {
  const s = storedFromTsdb(t);
  const b = t.blockStats;
  const rows: InfoRow[] = [
    { label: "Head series", value: formatNumber(t.headStats.numSeries), testid: "storage-head-series" },
    { label: "Head chunks", value: formatNumber(t.headStats.chunkCount), testid: "storage-head-chunks" },
  ];
  if (b) {
    rows.push(
      { label: "Blocks on disk", value: formatNumber(b.numBlocks), testid: "storage-blocks" },
      { label: "Samples in blocks", value: formatNumber(b.numSamples), testid: "storage-block-samples" },
      { label: "Block bytes", value: formatBytes(b.bytes), testid: "storage-block-bytes" },
      { label: "WAL size", value: formatBytes(b.walBytes), testid: "storage-wal-bytes" },
      { label: "Storage used (blocks + WAL)", value: formatBytes(s.bytes), testid: "storage-used" },
    );
  }
  rows.push(
    {
      label: "Oldest sample",
      value: s.oldestMs !== undefined ? formatTime(new Date(s.oldestMs)) : <Text span c="dimmed" fz="inherit">nothing stored yet</Text>,
      testid: "storage-oldest",
    },
    {
      label: "Newest sample",
      value: s.newestMs !== undefined ? formatTime(new Date(s.newestMs)) : <Text span c="dimmed" fz="inherit">nothing stored yet</Text>,
      testid: "storage-newest",
    },
  );
  if (retention !== undefined) {
    const r = parseRetention(retention);
    const left = retentionLeft(r, s, now);
    const parts: string[] = [];
    if (left.timeLeftMs !== undefined) parts.push(`${formatDuration(left.timeLeftMs)} until data is deleted for age`);
    if (left.bytesLeft !== undefined) parts.push(`${formatBytes(left.bytesLeft)} below the size limit`);
    rows.push({
      label: "Retention left",
      value: parts.length ? parts.join("; ") : "no limit: nothing is deleted",
      testid: "storage-retention-left",
    });
  }
  return rows;
}

export function StatusPage() {
  const build = useApi((s) => api.buildInfo(s), []);
  const runtime = useApi((s) => api.runtimeInfo(s), []);
  const wal = useApi((s) => api.walReplay(s), []);
  const tsdb = useApi((s) => api.tsdbStatus(1, s), []);
  const now = useNow(5000);

  return (
    <Stack gap="lg" maw={1100}>
      <Title order={2}>Status</Title>
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
        <Stack gap="lg">
          <Section title="Build information" testid="status-build">
            {build.error ? (
              <ApiErrorAlert error={build.error} />
            ) : !build.data ? (
              <PageLoader what="build information" />
            ) : (
              <InfoTable
                rows={[
                  { label: <Field label="Version" field="version" />, value: build.data.version, testid: "build-version" },
                  {
                    label: <Field label="Revision" field="revision" />,
                    value: <Text span ff="monospace" fz="inherit">{build.data.revision || "unknown"}</Text>,
                    testid: "build-revision",
                  },
                  { label: <Field label="Branch" field="branch" />, value: build.data.branch || "unknown", testid: "build-branch" },
                  { label: <Field label="Built by" field="buildUser" />, value: build.data.buildUser || "unknown", testid: "build-user" },
                  { label: <Field label="Build date" field="buildDate" />, value: build.data.buildDate || "unknown", testid: "build-date" },
                  { label: <Field label="Runtime" field="goVersion" />, value: build.data.goVersion, testid: "build-runtime" },
                ]}
              />
            )}
          </Section>
          <Section title="Storage" testid="status-storage">
            {tsdb.error ? (
              <ApiErrorAlert error={tsdb.error} />
            ) : !tsdb.data ? (
              <PageLoader what="storage statistics" />
            ) : (
              <>
                <InfoTable rows={storageRows(tsdb.data, runtime.data?.storageRetention, now)} />
                {(tsdb.data.quarantinedBlocks?.length ?? 0) > 0 && (
                  <Alert color="orange" title="Damaged blocks moved aside (not served)" mt="sm">
                    {tsdb.data.quarantinedBlocks!.map((q) => (
                      <Text key={q.ulid} size="sm" style={{ overflowWrap: "anywhere" }}>
                        {q.path}: {q.reason}
                      </Text>
                    ))}
                  </Alert>
                )}
              </>
            )}
          </Section>
        </Stack>
        <Section title="Runtime information" testid="status-runtime">
          {runtime.error ? (
            <ApiErrorAlert error={runtime.error} />
          ) : !runtime.data ? (
            <PageLoader what="runtime information" />
          ) : (
            <InfoTable rows={runtimeRows(runtime.data, wal.data, wal.error, now)} />
          )}
        </Section>
      </SimpleGrid>
    </Stack>
  );
}
