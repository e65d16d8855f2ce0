import { ActionIcon, Box, Card, CopyButton, Group, Stack, Text, Title, Tooltip } from "@mantine/core";
import { IconCheck, IconCopy } from "@tabler/icons-react";
import { api } from "../../api";
import { ApiErrorAlert, PageLoader } from "../../components/Status";
import { useApi } from "../../components/useApi";

/** The loaded configuration exactly as /api/v1/status/config gives it (secrets are already "<secret>" there). */
export function ConfigPage() {
  const cfg = useApi((s) => api.config(s), []);
  const yaml = cfg.data?.yaml ?? "";
  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="nowrap">
        <Title order={2}>Configuration</Title>
        {cfg.data && (
          <CopyButton value={yaml} timeout={2000}>
            {({ copied, copy }) => (
              <Tooltip label={copied ? "Copied" : "Copy the configuration"} withArrow>
                <ActionIcon
                  variant="default"
                  size="lg"
                  onClick={copy}
                  aria-label="Copy the configuration"
                  data-testid="config-copy"
                  color={copied ? "teal" : undefined}
                >
                  {copied ? <IconCheck size={18} /> : <IconCopy size={18} />}
                </ActionIcon>
              </Tooltip>
            )}
          </CopyButton>
        )}
      </Group>
      <Text c="dimmed" size="sm">
        The configuration the server loaded, as its API returns it: secrets are shown as &lt;secret&gt;.
      </Text>
      {cfg.error ? (
        <ApiErrorAlert error={cfg.error} />
      ) : !cfg.data ? (
        <PageLoader what="the configuration" />
      ) : yaml.trim() === "" ? (
        <Text>The server reports an empty configuration: it runs with the defaults and scrapes nothing.</Text>
      ) : (
        <Card withBorder radius="md" p={0}>
          <Box
            component="pre"
            data-testid="config-yaml"
            tabIndex={0}
            aria-label="Configuration (YAML)"
            m={0}
            p="md"
            ff="monospace"
            fz={14}
            style={{
              overflowX: "auto",
              whiteSpace: "pre",
              lineHeight: 1.55,
              background: "var(--mantine-color-default-hover)",
              color: "var(--mantine-color-text)",
              borderRadius: "var(--mantine-radius-md)",
            }}
          >
            {yaml}
          </Box>
        </Card>
      )}
    </Stack>
  );
}
