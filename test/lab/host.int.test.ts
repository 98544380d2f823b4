/** ensureHostPackages against the real dpkg database: reports, never installs in check mode. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { LabError, debianPackages, ensureHostPackages, missingPackages } from "@ovl/lab";

test("every lab package is installed on this machine, so ensure does nothing", async () => {
  assert.equal(await missingPackages(debianPackages("lab")), []);
  const lines: string[] = [];
  assert.equal(await ensureHostPackages({ log: (l) => lines.push(l) }), []);
  assert.equal(lines, [], "nothing printed when nothing is missing");
});

test("a missing package is reported; check mode installs nothing and says what to run", async () => {
  const pkgs = ["iproute2", "ovl-no-such-package"];
  assert.equal(await missingPackages(pkgs), ["ovl-no-such-package"]);
  try {
    await ensureHostPackages({ packages: pkgs, checkOnly: true });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, LabError);
    assert.is((err as LabError).code, "MISSING_PACKAGES");
    assert.match((err as Error).message, /apt-get install ovl-no-such-package/);
  }
});

test.run();
