import { Button, Card, CloseButton, Group, Stack, Table, Text, TextInput, Title, UnstyledButton } from "@mantine/core";
import { IconArrowDown, IconArrowUp, IconArrowsSort, IconSearch } from "@tabler/icons-react";
import { useSearchParams } from "react-router-dom";
import { api } from "../../api";
import { ApiErrorAlert, PageLoader } from "../../components/Status";
import { useApi } from "../../components/useApi";
import { filterSortFlags, type SortDir, type SortKey } from "./statusLogic";

/** A column header that sorts the table by its column; aria-sort tells screen readers the current order. */
function SortHeader({
  label,
  column,
  sort,
  dir,
  onSort,
  w,
}: {
  w?: string;
  label: string;
  column: SortKey;
  sort: SortKey;
  dir: SortDir;
  onSort: (k: SortKey) => void;
}) {
  const active = sort === column;
  const Icon = !active ? IconArrowsSort : dir === "asc" ? IconArrowUp : IconArrowDown;
  return (
    <Table.Th w={w} aria-sort={active ? (dir === "asc" ? "ascending" : "descending") : "none"}>
      <UnstyledButton onClick={() => onSort(column)} data-testid={`flags-sort-${column}`} fw={700}>
        <Group gap={4} wrap="nowrap">
          {label}
          <Icon size={16} opacity={active ? 1 : 0.5} aria-hidden />
        </Group>
      </UnstyledButton>
    </Table.Th>
  );
}

export function FlagsPage() {
  const flags = useApi((s) => api.flags(s), []);
  const [params, setParams] = useSearchParams();
  const text = params.get("q") ?? "";
  const sort: SortKey = params.get("sort") === "value" ? "value" : "name";
  const dir: SortDir = params.get("dir") === "desc" ? "desc" : "asc";
  const update = (changes: Record<string, string>) =>
    setParams(
      (p) => {
        for (const [k, v] of Object.entries(changes)) {
          if (v === "") p.delete(k);
          else p.set(k, v);
        }
        return p;
      },
      { replace: true },
    );
  const onSort = (k: SortKey) => update({ sort: k === "name" ? "" : k, dir: k === sort && dir === "asc" ? "desc" : "" });

  const all = flags.data ? Object.keys(flags.data).length : 0;
  const rows = flags.data ? filterSortFlags(flags.data, text, sort, dir) : [];

  return (
    <Stack gap="md" maw={1100}>
      <Title order={2}>Command-line flags</Title>
      <TextInput
        label="Filter"
        placeholder="Flag name or value"
        leftSection={<IconSearch size={16} />}
        value={text}
        onChange={(e) => update({ q: e.currentTarget.value })}
        rightSection={
          text !== "" ? <CloseButton aria-label="Clear the filter" onClick={() => update({ q: "" })} /> : undefined
        }
        data-testid="flags-filter"
        maw={420}
      />
      {flags.error ? (
        <ApiErrorAlert error={flags.error} />
      ) : !flags.data ? (
        <PageLoader what="flags" />
      ) : (
        <Card withBorder radius="md" p="sm">
          <Text size="sm" c="dimmed" mb="xs" data-testid="flags-count">
            {rows.length === all ? `${all} flags` : `${rows.length} of ${all} flags`}
          </Text>
          {rows.length === 0 ? (
            <Group gap="xs">
              <Text>No flag name or value contains “{text}”.</Text>
              {text !== "" && (
                <Button variant="light" size="xs" onClick={() => update({ q: "" })}>
                  Clear the filter
                </Button>
              )}
            </Group>
          ) : (
            <Table verticalSpacing={6} layout="fixed" striped highlightOnHover data-testid="flags-table">
              <Table.Thead>
                <Table.Tr>
                  <SortHeader w="58%" label="Flag" column="name" sort={sort} dir={dir} onSort={onSort} />
                  <SortHeader label="Value" column="value" sort={sort} dir={dir} onSort={onSort} />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map(([k, v]) => (
                  <Table.Tr key={k} data-testid="flag-row" data-name={k} data-value={v}>
                    <Table.Td ff="monospace" fz="sm" style={{ overflowWrap: "anywhere" }}>
                      {k}
                    </Table.Td>
                    <Table.Td ff="monospace" fz="sm" style={{ overflowWrap: "anywhere" }}>
                      {v === "" ? <Text span c="dimmed" fz="sm">(empty)</Text> : v}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Card>
      )}
    </Stack>
  );
}
