/** The start-container form (render only): each field, its value, and its problem inline. */
import React from "react";
import { Box, Text } from "ink";
import { AUTO_NODE, FIELDS, visibleError, type Field, type RunFormState, type Validation } from "./use-run-form-state.js";

const LABELS: Record<Field, string> = {
  node: "node",
  name: "name",
  image: "image",
  cmd: "command",
  ports: "ports",
};
const HINTS: Record<Field, string> = {
  node: "← → to choose",
  name: "e.g. web-1",
  image: "e.g. busybox or registry:5000/app:1.2",
  cmd: "optional, e.g. httpd -f -p 80",
  ports: "optional, HOST:CTR[/udp], comma-separated",
};

export interface RunFormProps {
  readonly state: RunFormState;
  readonly validation: Validation;
  /** Node choices after AUTO_NODE. */
  readonly nodes: readonly string[];
  readonly width: number;
}

function fieldValue(state: RunFormState, nodes: readonly string[], field: Field): string {
  if (field === "node") return `‹ ${state.node === 0 ? AUTO_NODE : (nodes[state.node - 1] ?? "?")} ›`;
  return state.values[field];
}

export function RunForm({ state, validation, nodes, width }: RunFormProps): React.ReactElement {
  return (
    <Box flexDirection="column" width={width} borderStyle="round" borderColor="green" paddingX={1}>
      <Text bold color="green">Start a container</Text>
      {FIELDS.map((field) => {
        const focused = state.focus === field;
        const value = fieldValue(state, nodes, field);
        const error = visibleError(state, validation, field);
        return (
          <Box key={field} flexDirection="column">
            <Text wrap="truncate">
              <Text bold={focused} color={focused ? "green" : undefined}>{`${focused ? "›" : " "} ${LABELS[field].padEnd(8)} `}</Text>
              {value}
              {focused && field !== "node" ? <Text inverse> </Text> : null}
              {value === "" && !focused ? <Text dimColor>{HINTS[field]}</Text> : null}
              {focused && value === "" ? <Text dimColor>{` ${HINTS[field]}`}</Text> : null}
            </Text>
            {error ? <Text color="red" wrap="truncate">{`    ✘ ${error}`}</Text> : null}
          </Box>
        );
      })}
      <Text dimColor wrap="truncate">
        {state.sending ? "sending…" : "Tab/↓ next field  Shift-Tab/↑ previous  Enter: start  Esc: cancel"}
      </Text>
    </Box>
  );
}
