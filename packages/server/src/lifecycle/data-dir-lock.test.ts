import { spawn } from "node:child_process";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { createTempDir } from "../__tests__/files-fixture";
import { runBinary, startBinary } from "../__tests__/binary";
import { createInferdServer } from "../server";
import { acquireDataDirLock, DataDirLockedError, LOCK_FILE, type LockHolder } from "./data-dir-lock";

let temp: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => (temp = await createTempDir("data-dir-lock")));
afterEach(async () => temp.cleanup());

/** The pid of a process that has exited (and been reaped). */
function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  return new Promise((resolve) => child.once("exit", () => resolve(child.pid as number)));
}

const lockOf = (holder: Partial<LockHolder>): string =>
  JSON.stringify({ pid: 1, host: hostname(), startTime: "", since: "2026-01-01T00:00:00.000Z", token: "t", ...holder });

test("a second server on the same data dir is refused, naming the holder; after shutdown the dir is free again", async () => {
  const first = await createInferdServer({ host: "127.0.0.1", port: 0, dataDir: temp.dir, modelsDir: join(temp.dir, "no-models") });
  const second = createInferdServer({ host: "127.0.0.1", port: 0, dataDir: temp.dir, modelsDir: join(temp.dir, "no-models") });
  await expect(second).rejects.toBeInstanceOf(DataDirLockedError);
  await expect(second).rejects.toMatchObject({ holder: { pid: process.pid } });
  await first.shutdown(1000);
  const third = await createInferdServer({ host: "127.0.0.1", port: 0, dataDir: temp.dir, modelsDir: join(temp.dir, "no-models") });
  await third.shutdown(1000);
  // Nothing is left behind: no lock, no temporary files.
  expect((await readdir(temp.dir)).filter((name) => name.startsWith(LOCK_FILE))).toEqual([]);
});

test("the binary refuses to start on a data dir in use by another running binary, and names its pid", async () => {
  const args = ["--port", "0", "--data-dir", temp.dir, "--models-dir", join(temp.dir, "no-models"), "--log-level", "warn"];
  const running = await startBinary(args);
  try {
    const refused = await runBinary(args);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`process ${running.child.pid}`);
  } finally {
    running.child.kill("SIGKILL");
    await running.exited;
  }
  // The lock of the killed process is stale: a new server takes it over (it gets to listening).
  const again = await startBinary(args);
  again.child.kill("SIGKILL");
  await again.exited;
});

test("the lock of a dead process, of an earlier process with this pid, or a torn lock file is taken over", async () => {
  const file = join(temp.dir, LOCK_FILE);
  for (const stale of [lockOf({ pid: await deadPid() }), lockOf({ pid: process.pid, startTime: "earlier-incarnation" }), '{"pid":'] as const) {
    await writeFile(file, stale);
    const lock = await acquireDataDirLock(temp.dir);
    expect(JSON.parse(await readFile(file, "utf8"))).toMatchObject({ pid: process.pid, token: lock.holder.token });
    await lock.release();
  }
});

test("a live holder is respected: another process, or one on another host", async () => {
  const file = join(temp.dir, LOCK_FILE);
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  try {
    const pid = child.pid as number;
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    const startTime = stat === "" ? "" : (stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? "");
    await writeFile(file, lockOf({ pid, startTime }));
    await expect(acquireDataDirLock(temp.dir)).rejects.toMatchObject({ holder: { pid } });
    await writeFile(file, lockOf({ pid: await deadPid(), host: "some-other-host" }));
    await expect(acquireDataDirLock(temp.dir)).rejects.toBeInstanceOf(DataDirLockedError);
  } finally {
    child.kill("SIGKILL");
  }
});

test("release leaves a lock that is no longer its own", async () => {
  const lock = await acquireDataDirLock(temp.dir);
  const file = join(temp.dir, LOCK_FILE);
  await writeFile(file, lockOf({ pid: 424242, token: "someone-else" }));
  await lock.release();
  expect(JSON.parse(await readFile(file, "utf8"))).toMatchObject({ token: "someone-else" });
});
