/**
 * A container's `docker run` options (ContainerStarted's `options`) as dockerode's create
 * body, pure. Without options it is what ovl always made: `--network none`, restart policy
 * unless-stopped, the ovl name as host name, the image's command. ovl's own labels win over
 * the user's (the schema already refuses ovl.* keys). `dns` makes the node's agent the
 * container's resolver (Docker writes it in the container's /etc/resolv.conf).
 */
import type Dockerode from "dockerode";
import type { ContainerOptions, RestartPolicy } from "@ovl/domain";

export interface CreateInput {
  readonly dockerName: string;
  readonly image: string;
  readonly cmd: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** The ovl name; `options.hostname` replaces it. */
  readonly hostname: string;
  readonly options?: ContainerOptions;
  /** Its resolvers (HostConfig.Dns): the node's gateway, where the agent answers the cluster's names. */
  readonly dns?: readonly string[];
}

const restartPolicy = (r: RestartPolicy | undefined): { Name: string; MaximumRetryCount?: number } =>
  !r ? { Name: "unless-stopped" } : r.policy === "on-failure" && r.maxRetries !== undefined ? { Name: r.policy, MaximumRetryCount: r.maxRetries } : { Name: r.policy };

/** KEY=VALUE strings as Docker's map; a key given twice keeps its last value, as in Docker. */
const labelMap = (labels: readonly string[] | undefined): Record<string, string> =>
  Object.fromEntries((labels ?? []).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));

function hostConfig(o: ContainerOptions, dns: readonly string[] | undefined): Dockerode.HostConfig {
  return {
    NetworkMode: "none",
    ...(dns && dns.length > 0 ? { Dns: [...dns] } : {}),
    RestartPolicy: restartPolicy(o.restart),
    ...(o.volumes ? { Binds: o.volumes.map((v) => `${v.source}:${v.target}${v.readOnly ? ":ro" : ""}`) } : {}),
    ...(o.memory !== undefined ? { Memory: o.memory } : {}),
    ...(o.nanoCpus !== undefined ? { NanoCpus: o.nanoCpus } : {}),
  };
}

export function createBody(spec: CreateInput): Dockerode.ContainerCreateOptions {
  const o = spec.options ?? {};
  return {
    name: spec.dockerName,
    Image: spec.image,
    Hostname: o.hostname ?? spec.hostname,
    ...(spec.cmd.length > 0 ? { Cmd: [...spec.cmd] } : {}),
    ...(o.entrypoint !== undefined ? { Entrypoint: [o.entrypoint] } : {}),
    ...(o.env ? { Env: [...o.env] } : {}),
    ...(o.workdir !== undefined ? { WorkingDir: o.workdir } : {}),
    ...(o.user !== undefined ? { User: o.user } : {}),
    Labels: { ...labelMap(o.labels), ...spec.labels },
    HostConfig: hostConfig(o, spec.dns),
  };
}
