import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DEBIAN_PACKAGES_FILE, packagesFileFrom, parsePackageList } from "@ovl/lab";

test("the package list is found from the sources, a bundle chunk and the bundle's entry", () => {
  const root = "/repo/packages";
  const file = join(root, "lab", "debian-packages.txt");
  const exists = (p: string) => p === file;
  assert.is(packagesFileFrom(join(root, "lab", "src"), exists), file);
  assert.is(packagesFileFrom(join(root, "cli", "dist", "chunks"), exists), file);
  assert.is(packagesFileFrom(join(root, "cli", "dist"), exists), file);
  assert.ok(existsSync(DEBIAN_PACKAGES_FILE), DEBIAN_PACKAGES_FILE);
});

test("purposes pick their packages, comments and blank lines skipped", () => {
  const text = "# list\ng++ build\nnats-server lab\nopenssl test # TLS\n\n";
  assert.equal(parsePackageList(text, ["lab"]), ["nats-server"]);
  assert.equal(parsePackageList(text, ["build", "test"]), ["g++", "openssl"]);
});

test.run();
