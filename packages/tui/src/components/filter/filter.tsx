/** The filter line (render only): shown at the bottom while typing a filter. */
import React from "react";
import { Text } from "ink";

export function FilterLine({ text, view }: { text: string; view: string }): React.ReactElement {
  return (
    <Text wrap="truncate">
      <Text color="cyan" bold>{`filter ${view}: `}</Text>
      {text}
      <Text inverse> </Text>
      <Text dimColor>{"   Enter: keep  Esc: clear"}</Text>
    </Text>
  );
}
