/**
 * A thin client for Docker images: pull one that is missing (G1); the runtime learns that it
 * is missing from the create, as `docker run` does, rather than asking first. A pull
 * that cannot find the image is IMAGE_NOT_FOUND, with Docker's own words in the message.
 */
import type Dockerode from "dockerode";
import { AgentError, AgentErrorCodes } from "../errors.js";
import { dockerMessage, statusOf } from "./status.js";

export interface ImageClient {
  pull(ref: string): Promise<void>;
}

function followPull(docker: Dockerode, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, output: { error?: string }[]) => {
      // A failed pull can end "successfully" with an error entry in the progress.
      const failed = err ?? output?.find((o) => o.error);
      if (failed) reject(failed instanceof Error ? failed : new Error(failed.error));
      else resolve();
    });
  });
}

export function dockerImages(docker: Dockerode, log: (line: string) => void): ImageClient {
  return {
    async pull(ref) {
      log(`docker: pulling ${ref}`);
      try {
        await followPull(docker, await docker.pull(ref));
      } catch (err) {
        const code = statusOf(err) === 404 || statusOf(err) === undefined ? AgentErrorCodes.ImageNotFound : AgentErrorCodes.Docker;
        throw new AgentError(code, `image ${ref} is not on this node and could not be pulled: ${dockerMessage(err)}`, { cause: err });
      }
      log(`docker: pulled ${ref}`);
    },
  };
}
