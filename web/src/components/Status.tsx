import { Alert, Center, Loader, Stack, Text } from "@mantine/core";
import { ApiError } from "../api";

/** An API error as the server gave it: its error type and message (never a blank page). */
export function ApiErrorAlert({ error, title }: { error: Error; title?: string }) {
  const kind = error instanceof ApiError ? `${error.errorType} (HTTP ${error.status})` : undefined;
  return (
    <Alert color="red" title={title ?? "The server answered with an error"} role="alert">
      <Stack gap={4}>
        <Text size="sm" style={{ whiteSpace: "pre-wrap", wordBreak: "break-word" }}>
          {error.message}
        </Text>
        {kind && (
          <Text size="xs" c="dimmed">
            {kind}
          </Text>
        )}
      </Stack>
    </Alert>
  );
}

/** The page's data is on its way. */
export function PageLoader({ what }: { what?: string }) {
  return (
    <Center py="xl">
      <Stack align="center" gap="xs">
        <Loader aria-label={what ? `loading ${what}` : "loading"} />
        {what && (
          <Text c="dimmed" size="sm">
            Loading {what}…
          </Text>
        )}
      </Stack>
    </Center>
  );
}
