/**
 * TypeBox checkers compiled on first use. Compiling every schema at import costs a short
 * command (`ovl run`, `ovl ps`) tens of milliseconds for checkers it never calls; a
 * long-running process pays the same once, on its first message.
 */
import type { TSchema } from "@sinclair/typebox";
import { TypeCompiler, type TypeCheck } from "@sinclair/typebox/compiler";
import { invalid } from "./errors.js";

export function lazyCheck<T extends TSchema>(schema: T): () => TypeCheck<T> {
  let compiled: TypeCheck<T> | null = null;
  return () => (compiled ??= TypeCompiler.Compile(schema));
}

/** One lazily compiled checker per key of `schemas`. */
export function lazyChecks<K extends string>(schemas: Readonly<Record<K, TSchema>>): (key: K) => TypeCheck<TSchema> {
  const compiled = new Map<K, TypeCheck<TSchema>>();
  return (key) => {
    let check = compiled.get(key);
    if (!check) compiled.set(key, (check = TypeCompiler.Compile(schemas[key])));
    return check;
  };
}

/** `raw` as a T when `check` accepts it; else INVALID_INPUT "invalid <what>: <path> <reason>" for its first error. */
export function checked<T>(check: { Check(v: unknown): boolean; Errors(v: unknown): { First(): { path: string; message: string } | undefined } }, raw: unknown, what: string): T {
  if (check.Check(raw)) return raw as T;
  const first = check.Errors(raw).First();
  throw invalid(`invalid ${what}: ${first ? `${first.path || "/"} ${first.message}` : "wrong shape"}`);
}
