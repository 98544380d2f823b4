/**
 * A small structural JSON Schema checker for the published docs/events.schema.json.
 *
 * Why not TypeBox's own checker: it checks TypeBox's in-memory objects, so it would only
 * prove the domain agrees with itself. This reads the *published file* as any outside
 * consumer would, and knows just the keywords that file uses. An unknown keyword throws,
 * so a schema that grows a keyword this checker ignores fails loudly instead of passing.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

type Schema = Record<string, unknown>;

export const SCHEMA_PATH = fileURLToPath(new URL("../../docs/events.schema.json", import.meta.url));

let published: Schema | undefined;
/** The schema as published in docs/, read once. */
export function publishedSchema(): Schema {
  published ??= JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as Schema;
  return published;
}

const IGNORED = new Set(["$schema", "$id", "title", "description", "definitions"]);
const KNOWN = new Set([
  "$ref", "oneOf", "anyOf", "const", "type", "pattern", "minLength", "maxLength", "minimum", "maximum",
  "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function typeOk(type: string, v: unknown): boolean {
  switch (type) {
    case "string": return typeof v === "string";
    case "integer": return Number.isInteger(v);
    case "number": return typeof v === "number" && Number.isFinite(v);
    case "boolean": return typeof v === "boolean";
    case "null": return v === null;
    case "array": return Array.isArray(v);
    case "object": return isObject(v);
    default: throw new Error(`schema-check: unknown type ${type}`);
  }
}

function resolve(root: Schema, ref: string): Schema {
  const m = /^#\/definitions\/([A-Za-z0-9_]+)$/.exec(ref);
  const target = m ? (root.definitions as Record<string, Schema> | undefined)?.[m[1]!] : undefined;
  if (!target) throw new Error(`schema-check: unresolvable $ref ${ref}`);
  return target;
}

function checkScalar(s: Schema, v: unknown, at: string): string[] {
  const errs: string[] = [];
  if ("const" in s && JSON.stringify(s.const) !== JSON.stringify(v)) errs.push(`${at}: must be ${JSON.stringify(s.const)}`);
  if (typeof s.type === "string" && !typeOk(s.type, v)) return [...errs, `${at}: must be ${s.type}`];
  if (typeof v === "string") {
    const len = [...v].length;
    if (typeof s.pattern === "string" && !new RegExp(s.pattern, "u").test(v)) errs.push(`${at}: must match ${s.pattern}`);
    if (typeof s.minLength === "number" && len < s.minLength) errs.push(`${at}: shorter than ${s.minLength}`);
    if (typeof s.maxLength === "number" && len > s.maxLength) errs.push(`${at}: longer than ${s.maxLength}`);
  }
  if (typeof v === "number") {
    if (typeof s.minimum === "number" && v < s.minimum) errs.push(`${at}: below ${s.minimum}`);
    if (typeof s.maximum === "number" && v > s.maximum) errs.push(`${at}: above ${s.maximum}`);
  }
  return errs;
}

function checkContainer(s: Schema, v: unknown, at: string, root: Schema): string[] {
  const errs: string[] = [];
  if (Array.isArray(v)) {
    if (typeof s.minItems === "number" && v.length < s.minItems) errs.push(`${at}: fewer than ${s.minItems} items`);
    if (typeof s.maxItems === "number" && v.length > s.maxItems) errs.push(`${at}: more than ${s.maxItems} items`);
    if (isObject(s.items)) v.forEach((item, i) => errs.push(...schemaErrors(s.items as Schema, item, root, `${at}/${i}`)));
  }
  if (isObject(v)) {
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const key of (s.required ?? []) as string[]) if (!Object.hasOwn(v, key)) errs.push(`${at}: missing ${key}`);
    for (const [key, value] of Object.entries(v)) {
      if (Object.hasOwn(props, key)) errs.push(...schemaErrors(props[key]!, value, root, `${at}/${key}`));
      else if (s.additionalProperties === false) errs.push(`${at}: unexpected property ${key}`);
    }
  }
  return errs;
}

/** Every violation of `schema` by `value` (empty when it conforms). */
export function schemaErrors(schema: Schema, value: unknown, root: Schema = schema, at = ""): string[] {
  for (const key of Object.keys(schema)) {
    if (!KNOWN.has(key) && !IGNORED.has(key)) throw new Error(`schema-check: unsupported keyword ${key} at ${at || "/"}`);
  }
  if (typeof schema.$ref === "string") return schemaErrors(resolve(root, schema.$ref), value, root, at);
  const errs: string[] = [];
  if (Array.isArray(schema.anyOf) || Array.isArray(schema.oneOf)) {
    const branches = (schema.anyOf ?? schema.oneOf) as Schema[];
    const passing = branches.filter((b) => schemaErrors(b, value, root, at).length === 0).length;
    if (schema.oneOf ? passing !== 1 : passing === 0) errs.push(`${at || "/"}: matches ${passing} of its ${schema.oneOf ? "oneOf" : "anyOf"} branches`);
  }
  return [...errs, ...checkScalar(schema, value, at || "/"), ...checkContainer(schema, value, at || "/", root)];
}

/** Checks a value against the whole published document (its top-level oneOf). */
export function publishedErrors(value: unknown): string[] {
  return schemaErrors(publishedSchema(), value);
}
