/**
 * The published contract: docs/events.schema.json is exactly what the domain generates, the
 * domain's reader (parseEnvelope) and the published schema agree on valid and invalid
 * envelopes, and the example bodies in docs/events.md are valid events.
 * (Every event decided or given in the other domain suites is checked the same way, by
 * test/support/given.ts.)
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { EVENT_TYPES, envelope, eventsJsonSchema, parseEnvelope, subjectFor, type OvlEvent } from "@ovl/domain";
import { renderSchema } from "../../scripts/write-schema.js";
import { assertConforms } from "../support/given.js";
import { NOW, REQ, clusterCreated, exited, failed, joined, leaving, left, lost, networkBlock, networkCreated, networkRemoved, recovered, running, started, stopped, subnetAssigned } from "./builders.js";
import { SCHEMA_PATH, publishedErrors, publishedSchema } from "./schema-check.js";

/** One example of every event type. */
const EXAMPLES: OvlEvent[] = [
  clusterCreated(), joined("n1"), subnetAssigned("n1", 0), leaving("n1"), left("n1"), lost("n1"), lost("n1", null),
  started("web", "n1", "198.19.0.2", { cmd: ["httpd", "-f"], ports: [{ hostIp: "198.18.0.11", host: 8080, container: 80, proto: "tcp" }] }),
  running("web", "n1", "198.19.0.2"), failed("web", "n1", "198.19.0.2"), exited("web", "n1", "198.19.0.2", 137),
  stopped("web", "n1", "198.19.0.2"), recovered("n1"),
  networkCreated("back", "198.19.48.0/20", 43, { internal: true }), networkBlock("n1", "back", "198.19.48.0/24"), networkRemoved("back"),
];

const accepts = (raw: unknown): boolean => {
  try {
    parseEnvelope(JSON.stringify(raw));
    return true;
  } catch {
    return false;
  }
};

const file = suite("docs/events.schema.json");
file("is exactly what `npm run schema` writes from the domain", () => {
  assert.fixture(readFileSync(SCHEMA_PATH, "utf8"), renderSchema(), "out of date: run `npm run schema`");
  assert.equal(publishedSchema(), eventsJsonSchema());
});
file("defines every event type, and the envelope", () => {
  const defs = Object.keys(publishedSchema().definitions as object).sort();
  assert.equal(defs, [...EVENT_TYPES, "Envelope"].sort());
});
file.run();

const agree = suite("the reader and the published schema agree");
agree("every example of every type conforms to both", () => {
  assert.equal([...new Set(EXAMPLES.map((e) => e.type))].sort(), [...EVENT_TYPES].sort());
  for (const e of EXAMPLES) assertConforms(e, NOW, REQ);
});
agree("both refuse the same broken envelopes", () => {
  const base = JSON.parse(JSON.stringify(envelope(EXAMPLES[7]!, NOW, REQ)));
  const broken: [string, unknown][] = [
    ["unknown type", { ...base, type: "ContainerExploded" }],
    ["future version", { ...base, v: 2 }],
    ["bad time", { ...base, time: "yesterday" }],
    ["extra envelope field", { ...base, extra: 1 }],
    ["extra data field", { ...base, data: { ...base.data, extra: 1 } }],
    ["missing data field", { ...base, data: { ...base.data, ip: undefined } }],
    ["name with a dot", { ...base, data: { ...base.data, name: "a.b" } }],
    ["name of 33", { ...base, data: { ...base.data, name: "a".repeat(33) } }],
    ["port 65536", { ...base, data: { ...base.data, ports: [{ host: 65536, container: 80, proto: "tcp" }] } }],
    ["too many ports", { ...base, data: { ...base.data, ports: Array.from({ length: 65 }, (_, i) => ({ host: i + 1, container: 80, proto: "tcp" })) } }],
    ["cmd not strings", { ...base, data: { ...base.data, cmd: [1] } }],
    ["data of another type", { ...base, type: "ContainerRunning" }],
    ["no data", { ...base, data: undefined }],
    ["null", null],
  ];
  for (const [what, raw] of broken) {
    const json = JSON.parse(JSON.stringify(raw));
    assert.not.ok(accepts(json), `parseEnvelope accepted: ${what}`);
    assert.ok(publishedErrors(json).length > 0, `the published schema accepted: ${what}`);
  }
});
agree.run();

const md = suite("docs/events.md");
const EVENTS_MD = fileURLToPath(new URL("../../docs/events.md", import.meta.url));
md("every JSON example is a valid envelope, and every event type has one", () => {
  const text = readFileSync(EVENTS_MD, "utf8");
  const blocks = [...text.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const types = new Set<string>();
  for (const body of blocks) {
    const env = parseEnvelope(body);
    assert.equal(publishedErrors(JSON.parse(body)), [], body);
    types.add(env.type);
  }
  assert.equal([...types].sort(), [...EVENT_TYPES].sort());
});
md("names every event's subject as subjectFor does", () => {
  const text = readFileSync(EVENTS_MD, "utf8");
  for (const e of EXAMPLES) {
    const pattern = subjectFor(e).replace(".n1.web", ".<node>.<name>").replace(".n1", ".<node>");
    assert.ok(text.includes(`| ${e.type} | \`${pattern}\``), `${e.type} with subject ${pattern} missing from the catalog table`);
  }
});
md.run();
