/** The one list of Debian packages: each reader gets the packages of its purposes. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { debianPackages, parsePackageList } from "@ovl/lab";

test("a line is the package, then its purposes; comments and blank lines are skipped", () => {
  const text = "# head\n\ng++  build\nnats-server lab  # the broker\nopenssl test\nboth lab test\n";
  assert.equal(parsePackageList(text, ["build"]), ["g++"]);
  assert.equal(parsePackageList(text, ["lab"]), ["nats-server", "both"]);
  assert.equal(parsePackageList(text, ["lab", "test"]), ["nats-server", "openssl", "both"]);
});

test("the repository's list: the lab's packages, the build tools apart", () => {
  const lab = debianPackages("lab");
  assert.ok(lab.includes("nats-server") && lab.includes("docker.io") && lab.includes("nftables"));
  assert.equal(debianPackages("build"), ["g++", "make", "python3"]);
  assert.not.ok(lab.includes("g++"));
});

test.run();
