import { Alert, Card, Group, Loader, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useEffect, useState } from "react";
import { api, type BuildInfo, type RuntimeInfo, type Targets } from "../api";
import { formatTime } from "../format";

interface Overview {
  build: BuildInfo;
  runtime: RuntimeInfo;
  targets: Targets;
}

/** Up and down targets by job, from the active targets. */
function byJob(targets: Targets) {
  const jobs = new Map<string, { up: number; down: number; unknown: number }>();
  for (const t of targets.activeTargets) {
    const j = jobs.get(t.scrapePool) ?? { up: 0, down: 0, unknown: 0 };
    j[t.health]++;
    jobs.set(t.scrapePool, j);
  }
  return [...jobs.entries()].sort(([a], [b]) => a.localeCompare(b));
}

export function HomePage() {
  const [overview, setOverview] = useState<Overview | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const ctl = new AbortController();
    Promise.all([api.buildInfo(ctl.signal), api.runtimeInfo(ctl.signal), api.targets("active", ctl.signal)])
      .then(([build, runtime, targets]) => setOverview({ build, runtime, targets }))
      .catch((e: unknown) => {
        if (!ctl.signal.aborted) {
          setError(e instanceof Error ? e.message : String(e));
        }
      });
    return () => ctl.abort();
  }, []);

  if (error) {
    return (
      <Alert color="red" title="The server did not answer">
        {error}
      </Alert>
    );
  }
  if (!overview) {
    return <Loader aria-label="loading" />;
  }
  const jobs = byJob(overview.targets);
  return (
    <Stack>
      <Title order={2}>Overview</Title>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
        <Card withBorder>
          <Text fw={600}>Targets</Text>
          {jobs.length === 0 && <Text c="dimmed">No scrape targets configured.</Text>}
          {jobs.map(([job, n]) => (
            <Group key={job} justify="space-between">
              <Text>{job}</Text>
              <Text c={n.down > 0 ? "red" : n.unknown > 0 ? "dimmed" : "green"}>
                {n.up} up{n.down > 0 ? `, ${n.down} down` : ""}
                {n.unknown > 0 ? `, ${n.unknown} pending` : ""}
              </Text>
            </Group>
          ))}
        </Card>
        <Card withBorder>
          <Text fw={600}>Build</Text>
          <Text>version {overview.build.version}</Text>
          <Text c="dimmed" size="sm">
            revision {overview.build.revision.slice(0, 12)}, built {overview.build.buildDate}
          </Text>
        </Card>
        <Card withBorder>
          <Text fw={600}>Server</Text>
          <Text>started {formatTime(new Date(overview.runtime.startTime))}</Text>
          <Text c="dimmed" size="sm">
            retention {overview.runtime.storageRetention}; configuration{" "}
            {overview.runtime.reloadConfigSuccess ? "loaded" : "reload failed"}
          </Text>
        </Card>
      </SimpleGrid>
    </Stack>
  );
}
