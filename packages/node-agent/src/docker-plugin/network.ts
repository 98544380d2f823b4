/**
 * The Docker network `ovl` of this node (driver ovl, IPAM ovl), made once the agent has
 * joined and removed when the node leaves. Idempotent: a network of that name made by ovl
 * before is kept; one of another driver is left alone and logged (it is not ovl's).
 */
import type Dockerode from "dockerode";
import { dockerMessage } from "../docker/status.js";
import { DOCKER_NETWORK } from "./watch.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function findNetwork(docker: Dockerode): Promise<{ Id: string; Driver: string } | undefined> {
  const nets = await docker.listNetworks({ filters: { name: [DOCKER_NETWORK] } });
  return nets.find((n) => n.Name === DOCKER_NETWORK);
}

/**
 * Makes the network on `subnet` (the ovl network ovl's range: Docker takes a range the node
 * routes only when it is given, pools.ts); retried a while, as Docker calls back into the
 * plugin, which answers once the fold shows the node joined.
 */
export async function ensureDockerNetwork(docker: Dockerode, subnet: string, log: (line: string) => void, tries = 40): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    try {
      const found = await findNetwork(docker);
      if (found) {
        if (found.Driver !== DOCKER_NETWORK) log(`docker network ${DOCKER_NETWORK} exists with driver ${found.Driver}, not ovl: left alone; remove it for \`docker run --network ovl\` to work`);
        return found.Driver === DOCKER_NETWORK;
      }
      await docker.createNetwork({ Name: DOCKER_NETWORK, Driver: DOCKER_NETWORK, IPAM: { Driver: DOCKER_NETWORK, Config: [{ Subnet: subnet }] }, CheckDuplicate: true });
      log(`docker network ${DOCKER_NETWORK} created`);
      return true;
    } catch (err) {
      log(`docker network ${DOCKER_NETWORK} not created${i === tries - 1 ? "" : " yet"} (try ${i + 1} of ${tries}): ${dockerMessage(err)}`);
      await sleep(500);
    }
  }
  return false;
}

export async function removeDockerNetwork(docker: Dockerode, log: (line: string) => void): Promise<void> {
  try {
    const found = await findNetwork(docker);
    if (!found || found.Driver !== DOCKER_NETWORK) return;
    await docker.getNetwork(found.Id).remove();
    log(`docker network ${DOCKER_NETWORK} removed`);
  } catch (err) {
    log(`docker network ${DOCKER_NETWORK} not removed: ${dockerMessage(err)}`);
  }
}
