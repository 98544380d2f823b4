/**
 * The start-container form wired to the live cluster: the node choices are the nodes
 * that are ready now, names in use are refused before sending, and Enter sends the
 * request only when every field is valid. The form stays open (with the coordinator's
 * error below) when the request is refused, so the input can be fixed.
 */
import React, { useEffect, useMemo, useReducer } from "react";
import { Box } from "ink";
import { allContainers } from "@ovl/domain";
import type { Actions } from "../../actions.js";
import type { ScreenData } from "../../use-screen-data.js";
import { RunForm } from "./run-form.js";
import { initialRunForm, runFormReducer, validateRunForm, type RunFormState, type Validation } from "./use-run-form-state.js";
import { useRunFormInput } from "./use-run-form.js";

export interface RunFormHandle {
  readonly state: RunFormState;
  readonly validation: Validation;
  readonly nodes: readonly string[];
  reset(): void;
}

const NONE_TAKEN: ReadonlySet<string> = new Set();

export function useRunForm(o: { active: boolean; data: ScreenData; actions: Actions; close: () => void }): RunFormHandle {
  const [state, dispatch] = useReducer(
    (s: RunFormState, a: Parameters<typeof runFormReducer>[1] | { type: "reset" }) => (a.type === "reset" ? initialRunForm() : runFormReducer(s, a)),
    initialRunForm(),
  );
  const nodes = useMemo(() => o.data.nodes.filter((n) => n.status === "ready").map((n) => n.name), [o.data.nodes]);
  // Only while the form is open: every frame of a busy cluster would otherwise list every container.
  const taken = useMemo(() => (o.active ? new Set(allContainers(o.data.state).map((c) => c.name)) : NONE_TAKEN), [o.active, o.data.state]);
  const validation = validateRunForm(state, { nodes, taken });
  useRunFormInput({
    active: o.active,
    state,
    choices: nodes.length + 1,
    dispatch,
    onCancel: o.close,
  });
  useEffect(() => {
    if (state.submits === 0 || !validation.spec || state.sending) return;
    dispatch({ type: "sending", sending: true });
    void o.actions.run(validation.spec).then((accepted) => {
      dispatch({ type: "sending", sending: false });
      if (accepted) o.close();
    });
  }, [state.submits]); // only an Enter sends: not a later edit of a valid form
  return { state, validation, nodes, reset: () => dispatch({ type: "reset" }) };
}

export function RunFormPanel({ form, width, height }: { form: RunFormHandle; width: number; height: number }): React.ReactElement {
  return (
    <Box width={width} height={height} flexDirection="column">
      <RunForm state={form.state} validation={form.validation} nodes={form.nodes} width={Math.min(width, 100)} />
    </Box>
  );
}
