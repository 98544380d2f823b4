/** The confirmation dialog (render only). */
import React from "react";
import { Box, Text } from "ink";
import type { Pending } from "../../use-app-state.js";

export function confirmQuestion(p: Pending): string {
  return p.kind === "rm"
    ? `Remove container ${p.name}? Its address is freed at once.`
    : `Make node ${p.node} leave? Its containers are removed and its network torn down.`;
}

export function ConfirmDialog({ pending, width }: { pending: Pending; width: number }): React.ReactElement {
  return (
    <Box flexDirection="column" width={width} borderStyle="double" borderColor="yellow" paddingX={1}>
      <Text bold color="yellow" wrap="truncate">{confirmQuestion(pending)}</Text>
      <Text wrap="truncate">y / Enter: yes    n / Esc: no</Text>
    </Box>
  );
}
