/**
 * TypeBox checkers compiled on first use. Compiling every schema at import costs a short
 * command (`ovl run`, `ovl ps`) tens of milliseconds for checkers it never calls; a
 * long-running process pays the same once, on its first message.
 */
import type { TSchema } from "@sinclair/typebox";
import { TypeCompiler, type TypeCheck } from "@sinclair/typebox/compiler";

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
