/**
 * A thin client for Docker containers, behind an interface so the runtime reads as intent.
 * Each call logs before and after with the id, and rethrows as AgentError.
 */
import type Dockerode from "dockerode";
import { AgentErrorCodes } from "../errors.js";
import { nodeLabelFilter, ownedBy, type Owned } from "./labels.js";
import { dockerError, statusOf } from "./status.js";
import { createBody, type CreateInput } from "./create-options.js";

export interface ContainerSummary extends Owned {
  readonly id: string;
  /** Docker's state: created, running, restarting, exited, paused, dead. */
  readonly state: string;
}

export interface ContainerDetails {
  readonly id: string;
  readonly running: boolean;
  readonly restarting: boolean;
  readonly pid: number;
  readonly exitCode: number;
  readonly labels: Readonly<Record<string, string>>;
}

/** `cmd` empty: the image's own CMD; `options`: the `docker run` options of ContainerStarted. */
export type ContainerSpec = CreateInput;

export interface ContainerClient {
  /** ovl's containers of a node (filtered by label), running or not. */
  listOwned(node: string): Promise<ContainerSummary[]>;
  /** null when the container is gone. */
  inspect(id: string): Promise<ContainerDetails | null>;
  /** Throws IMAGE_NOT_FOUND when Docker does not have the image, NAME_TAKEN when the name is in use. */
  create(spec: ContainerSpec): Promise<string>;
  start(id: string): Promise<void>;
  /** Force-removes; a container already gone is fine. */
  remove(id: string): Promise<void>;
}

export function dockerContainers(docker: Dockerode, log: (line: string) => void): ContainerClient {
  return {
    async listOwned(node) {
      const list = await docker.listContainers({ all: true, filters: { label: nodeLabelFilter(node) } }).catch((err) => {
        throw dockerError(`list the containers of node ${node}`, err);
      });
      return list.flatMap((c) => {
        const owned = ownedBy(c.Labels);
        return owned && owned.node === node ? [{ ...owned, id: c.Id, state: c.State }] : [];
      });
    },
    async inspect(id) {
      try {
        const i = await docker.getContainer(id).inspect();
        return { id: i.Id, running: i.State.Running, restarting: i.State.Restarting, pid: i.State.Pid, exitCode: i.State.ExitCode, labels: i.Config.Labels ?? {} };
      } catch (err) {
        if (statusOf(err) === 404) return null;
        throw dockerError(`inspect container ${id}`, err);
      }
    },
    async create(spec) {
      log(`docker: creating ${spec.dockerName} from ${spec.image}`);
      try {
        const c = await docker.createContainer(createBody(spec));
        log(`docker: created ${spec.dockerName} ${c.id.slice(0, 12)}`);
        return c.id;
      } catch (err) {
        // 404 on create: Docker does not have the image (the caller pulls it and creates again).
        const status = statusOf(err);
        const code = status === 409 ? AgentErrorCodes.NameTaken : status === 404 ? AgentErrorCodes.ImageNotFound : AgentErrorCodes.Docker;
        throw dockerError(`create container ${spec.dockerName}`, err, code);
      }
    },
    async start(id) {
      log(`docker: starting ${id.slice(0, 12)}`);
      try {
        await docker.getContainer(id).start();
      } catch (err) {
        if (statusOf(err) !== 304) throw dockerError(`start container ${id.slice(0, 12)}`, err);
      }
      log(`docker: started ${id.slice(0, 12)}`);
    },
    async remove(id) {
      log(`docker: removing ${id.slice(0, 12)}`);
      try {
        await docker.getContainer(id).remove({ force: true });
      } catch (err) {
        if (statusOf(err) !== 404) throw dockerError(`remove container ${id.slice(0, 12)}`, err);
      }
      log(`docker: removed ${id.slice(0, 12)}`);
    },
  };
}
