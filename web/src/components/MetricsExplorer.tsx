// PLACEHOLDER: replaced by the graph helper's version at merge
import { Modal } from "@mantine/core";

export function MetricsExplorer(props: { opened: boolean; onClose: () => void; onSelect: (metricName: string) => void }) {
  return (
    <Modal opened={props.opened} onClose={props.onClose} title="Metrics explorer">
      <button type="button" onClick={() => props.onSelect("up")}>
        up
      </button>
    </Modal>
  );
}
