/**
 * The `docker run` options of a container, kept in StartContainer and ContainerStarted so
 * that every replay makes the container the same way. All optional: an event without them
 * (every history written before they existed) makes the container as before: the image's
 * environment, no volumes, restart policy unless-stopped, no limits, hostname = its name.
 *
 * The schema is as strict as the parsers (run-options.ts), since a coordinator checks a
 * command only against it. Environment values are stored in clear, like the rest of history.
 */
import { Type, type Static } from "@sinclair/typebox";

const closed = { additionalProperties: false } as const;

export const ENV_PATTERN = "^[^=\\u0000]+=[^\\u0000]*$";
/** A named volume of the node's Docker (Docker's own rule for volume names). */
export const VOLUME_NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$";
export const ABSOLUTE_PATH_PATTERN = "^/[^\\u0000:]{0,1023}$";
/** ovl's own labels (ovl.*) are the agent's to set. */
export const LABEL_KEY_PATTERN = "^(?!ovl\\.)[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$";
const LABEL_PATTERN = `${LABEL_KEY_PATTERN.slice(0, -1)}=[^\\u0000]{0,4096}$`;
export const USER_PATTERN = "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,31})?$";
/** RFC 1123 host name of at most 63 characters. */
export const HOSTNAME_PATTERN = "^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$";
/** Docker refuses less than 6 MiB. */
export const MIN_MEMORY_BYTES = 6 * 1024 * 1024;
export const MAX_CPUS = 1024;

export const VolumeSchema = Type.Object(
  {
    /** An absolute host path, or the name of a volume of the node's Docker. */
    source: Type.Union([Type.String({ pattern: ABSOLUTE_PATH_PATTERN }), Type.String({ pattern: VOLUME_NAME_PATTERN })]),
    target: Type.String({ pattern: ABSOLUTE_PATH_PATTERN }),
    readOnly: Type.Optional(Type.Boolean()),
  },
  closed,
);

export const RestartSchema = Type.Union([
  Type.Object({ policy: Type.Union([Type.Literal("no"), Type.Literal("always"), Type.Literal("unless-stopped")]) }, closed),
  Type.Object({ policy: Type.Literal("on-failure"), maxRetries: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })) }, closed),
]);

export const ContainerOptionsSchema = Type.Object(
  {
    env: Type.Optional(Type.Array(Type.String({ pattern: ENV_PATTERN, maxLength: 8192 }), { maxItems: 256 })),
    volumes: Type.Optional(Type.Array(VolumeSchema, { maxItems: 64 })),
    restart: Type.Optional(RestartSchema),
    /** Bytes. */
    memory: Type.Optional(Type.Integer({ minimum: MIN_MEMORY_BYTES, maximum: Number.MAX_SAFE_INTEGER })),
    /** Billionths of a CPU (Docker's NanoCpus): `--cpus 1.5` is 1500000000. */
    nanoCpus: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_CPUS * 1e9 })),
    /** KEY=VALUE each (a list, like env, so the schema stays plain JSON Schema). */
    labels: Type.Optional(Type.Array(Type.String({ pattern: LABEL_PATTERN, maxLength: 4300 }), { maxItems: 256 })),
    /** `--entrypoint`: one executable; "" clears the image's entrypoint. */
    entrypoint: Type.Optional(Type.String({ maxLength: 4096, pattern: "^[^\\u0000]*$" })),
    workdir: Type.Optional(Type.String({ pattern: ABSOLUTE_PATH_PATTERN })),
    user: Type.Optional(Type.String({ pattern: USER_PATTERN })),
    hostname: Type.Optional(Type.String({ pattern: HOSTNAME_PATTERN })),
  },
  closed,
);

export type ContainerOptions = Static<typeof ContainerOptionsSchema>;
export type VolumeMount = Static<typeof VolumeSchema>;
export type RestartPolicy = Static<typeof RestartSchema>;

/** What the options may take of an event (events are at most 64 KiB). */
export const MAX_OPTIONS_BYTES = 32 * 1024;

/** The `options` field of a record or an event: absent, never undefined, when there are none. */
export const withOptions = (options: ContainerOptions | undefined): { options?: ContainerOptions } => (options ? { options } : {});
