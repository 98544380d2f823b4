/** Decisions and views order names the same whatever the process's locale (LANG / LC_ALL). */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { orderings } from "./locale-probe.js";

const PROBE = fileURLToPath(new URL("./locale-probe.ts", import.meta.url));

const locale = suite("names are ordered in code units");
locale("placement ties, the order of stopped containers and node rows", () => {
  assert.equal(orderings(), { placedOn: ["aa"], stopped: ["aa", "zz", "NodeLeaving"], nodes: ["aa", "ab", "z"] });
});
locale("are the same under a Danish locale, whose collation puts aa after z", () => {
  const env = { ...process.env, LANG: "da_DK.UTF-8", LC_ALL: "da_DK.UTF-8" };
  const out = execFileSync(process.execPath, ["--import", "tsx", PROBE], { env, encoding: "utf8", timeout: 30_000 });
  assert.equal(JSON.parse(out), orderings());
});
locale.run();
