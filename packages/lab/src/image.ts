/**
 * The lab image `ovl/busybox:latest`, made locally because no registry is reachable: a root
 * filesystem of Debian's static busybox plus its applet links, tarred once into the cache
 * (keyed by the binary's hash) and imported into each node's dockerd with `docker import`.
 * Its CMD idles and exits at once on SIGTERM (a plain `sleep` as PID 1 would ignore it and
 * make every `docker stop` wait for the timeout).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, copyFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { sha256 } from "@ovl/client";
import { run, tryRun } from "@ovl/host";
import { IMAGE } from "./plan.js";

export const BUSYBOX = "/bin/busybox";
const RECIPE = "ovl-busybox-1";
export const IMAGE_CMD = `["/bin/sh","-c","trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"]`;
const DIRS = ["bin", "sbin", "usr/bin", "usr/sbin", "etc", "tmp", "root", "proc", "sys", "dev", "var/run"];

/** Lays out the root filesystem in `root`: /bin/busybox and one symlink per applet. */
export async function layoutRootfs(root: string, busybox = BUSYBOX): Promise<number> {
  const { stdout } = await run([busybox, "--list-full"], { action: "list busybox applets" });
  DIRS.forEach((d) => mkdirSync(join(root, d), { recursive: true }));
  copyFileSync(busybox, join(root, "bin/busybox"));
  const applets = stdout.split("\n").filter((p) => /^[a-z/]+\/[^/\s]+$/.test(p) && p !== "bin/busybox");
  for (const rel of applets) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    if (!existsSync(join(root, rel))) symlinkSync("/bin/busybox", join(root, rel));
  }
  writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
  writeFileSync(join(root, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
  return applets.length;
}

/** Builds the rootfs tarball once per busybox binary; returns its path in the cache. */
export async function busyboxTarball(cacheDir: string, busybox = BUSYBOX): Promise<string> {
  const hash = sha256(Buffer.concat([Buffer.from(RECIPE), readFileSync(busybox)])).slice(0, 16);
  const tar = join(cacheDir, `busybox-rootfs-${hash}.tar`);
  if (existsSync(tar)) return tar;
  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(join(cacheDir, "rootfs-"));
  try {
    await layoutRootfs(join(work, "root"), busybox);
    await run(["tar", "--numeric-owner", "--owner=0", "--group=0", "-C", join(work, "root"), "-cf", join(work, "rootfs.tar"), "."], { action: "pack busybox rootfs" });
    renameSync(join(work, "rootfs.tar"), tar);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return tar;
}

const docker = (host: string, ...args: string[]): string[] => ["docker", "--host", host, ...args];

export async function hasImage(dockerHost: string, image = IMAGE): Promise<boolean> {
  return (await tryRun(docker(dockerHost, "image", "inspect", "--format", "{{.Id}}", image))).ok;
}

/** Imports the tarball as `ovl/busybox:latest` into one dockerd unless it is there already. */
export async function loadImage(dockerHost: string, tarball: string, image = IMAGE): Promise<void> {
  if (await hasImage(dockerHost, image)) return;
  await run(docker(dockerHost, "import", "--change", `CMD ${IMAGE_CMD}`, "--change", "ENV PATH=/bin:/sbin:/usr/bin:/usr/sbin", tarball, image), {
    action: `import ${image} into ${dockerHost}`,
    timeoutMs: 120_000,
  });
}
