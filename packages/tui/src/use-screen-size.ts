/**
 * The terminal's size, followed on resize. Ink rewrites the whole screen when its output is
 * as tall as the terminal (a flicker per frame), so the app draws rows - 1 lines.
 */
import { useEffect, useState } from "react";
import { useStdout } from "ink";

export interface Size {
  readonly columns: number;
  readonly rows: number;
}

/** Smallest size laid out properly; below it the app still draws, clipped. */
export const MIN_SIZE: Size = { columns: 80, rows: 24 };

const read = (out: NodeJS.WriteStream): Size => ({
  columns: out.columns || MIN_SIZE.columns,
  rows: out.rows || MIN_SIZE.rows,
});

export function useScreenSize(fixed?: Size): Size {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => read(stdout));
  useEffect(() => {
    if (fixed) return undefined;
    const onResize = () => setSize(read(stdout));
    stdout.on("resize", onResize);
    return () => {
      stdout.off("resize", onResize);
    };
  }, [stdout, fixed]);
  return fixed ?? size;
}
