/** Which requests wait for the projection to catch up before they are decided: an agent's report, claim or release about a record not folded yet, only. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { needsCatchUp } from "@ovl/coordinator";
import { fold } from "../support/given.js";
import { NOW, cluster, cmd, leave, lost, report, rm, running, start, started, stopped } from "../domain/builders.js";

const IP = "198.19.0.2";
const withWeb = fold([...cluster("n1"), started("web", "n1", IP)], NOW);

test("a report about a container the state does not hold waits: its start may not be folded here yet", () => {
  assert.ok(needsCatchUp(report("n1", "web", IP, "running"), fold(cluster("n1"), NOW)));
  assert.ok(needsCatchUp(report("n1", "web", "198.19.0.3", "running"), withWeb), "another address: a newer container of that name");
  assert.ok(needsCatchUp(report("n1", "web", IP, "exited"), fold([...cluster("n1"), started("web", "n1", IP), stopped("web", "n1", IP)], NOW)));
});

test("a report about a container it holds is decided at once, whatever the decision", () => {
  assert.not.ok(needsCatchUp(report("n1", "web", IP, "running"), withWeb));
  assert.not.ok(needsCatchUp(report("n1", "web", IP, "running"), fold([...cluster("n1"), started("web", "n1", IP), running("web", "n1", IP)], NOW)));
  assert.not.ok(needsCatchUp(report("n1", "web", IP, "failed"), fold([...cluster("n1"), started("web", "n1", IP), lost("n1")], NOW)));
});

test("the Docker door's claim of a reservation, or release of a container, not folded here waits; one folded is decided at once", () => {
  const claim = cmd("ClaimDockerAddress", { node: "n1", reservation: "ipam-1", name: "shop-web-1", image: "nginx", ports: [] });
  const release = cmd("ReleaseDockerAddress", { node: "n1", name: "shop-web-1", ip: IP, reason: "docker rm" });
  const empty = fold(cluster("n1"), NOW);
  assert.ok(needsCatchUp(claim, empty));
  assert.ok(needsCatchUp(release, empty));
  const reserved = fold([...cluster("n1"), started("ipam-1", "n1", IP)], NOW);
  assert.not.ok(needsCatchUp(claim, reserved));
  const claimed = fold([...cluster("n1"), started("shop-web-1", "n1", IP)], NOW);
  assert.not.ok(needsCatchUp(release, claimed));
});

test("commands that are not about a record an agent saw never wait", () => {
  const empty = fold(cluster("n1"), NOW);
  for (const cmd of [start("web"), rm("web"), leave("n1")]) assert.not.ok(needsCatchUp(cmd, empty), cmd.type);
});

test.run();
