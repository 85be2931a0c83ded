import { createSessionTable } from "./session-table";

function table(ttlMs = 1000): { sessions: ReturnType<typeof createSessionTable>; ended: string[]; clock: { t: number } } {
  const clock = { t: 0 };
  const ended: string[] = [];
  const sessions = createSessionTable({ ttlMs, maxSessions: 3, onEnd: (project) => void ended.push(project), now: () => clock.t });
  return { sessions, ended, clock };
}

test("a minted token may use only its own fresh project", () => {
  const { sessions } = table();
  const a = sessions.mint();
  const b = sessions.mint();
  expect(a.project).not.toBe(b.project);
  expect(a.token).not.toBe(b.token);
  expect(a.token.length).toBeGreaterThanOrEqual(40);
  expect(sessions.match(a.token)?.mayUse(a.project)).toBe(true);
  expect(sessions.match(a.token)?.mayUse(b.project)).toBe(false);
  expect(sessions.match(b.token)?.mayUse(a.project)).toBe(false);
  expect(sessions.match(a.token.slice(0, -1))).toBeUndefined();
  expect(sessions.match("")).toBeUndefined();
  expect(sessions.isSessionProject(a.project)).toBe(true);
  expect(sessions.isSessionProject("alpha")).toBe(false);
});

test("an idle session expires after the TTL; use keeps it alive; expiry reports the project once", () => {
  const { sessions, ended, clock } = table(1000);
  const a = sessions.mint();
  const b = sessions.mint();
  clock.t = 900;
  expect(sessions.match(a.token)).toBeDefined(); // a used at 900
  clock.t = 1500;
  expect(sessions.sweep()).toBe(1); // b idle 1500 > 1000
  expect(ended).toEqual([b.project]);
  expect(sessions.match(b.token)).toBeUndefined();
  expect(sessions.match(a.token)).toBeDefined(); // a idle 600
  clock.t = 2600;
  expect(sessions.match(a.token)).toBeUndefined(); // expired on use, not only by the sweep
  expect(ended).toEqual([b.project, a.project]);
  expect(sessions.sweep()).toBe(0);
  expect(sessions.size).toBe(0);
});

test("end() removes the session at once and waits for its data to be deleted", async () => {
  const clock = { t: 0 };
  const order: string[] = [];
  const sessions = createSessionTable({
    ttlMs: 1000,
    maxSessions: 10,
    now: () => clock.t,
    onEnd: async (project) => {
      await Promise.resolve();
      order.push(`deleted ${project}`);
    },
  });
  const a = sessions.mint();
  expect(await sessions.end(a.token)).toBe(true);
  order.push("end resolved");
  expect(order).toEqual([`deleted ${a.project}`, "end resolved"]);
  expect(sessions.match(a.token)).toBeUndefined();
  expect(await sessions.end(a.token)).toBe(false);
});

test("minting past --max-studio-sessions is RESOURCE_EXHAUSTED until one ends or expires", async () => {
  const { sessions, clock } = table(1000);
  const first = sessions.mint();
  sessions.mint();
  clock.t = 500;
  const third = sessions.mint();
  expect(() => sessions.mint()).toThrow(expect.objectContaining({ kind: "resource-exhausted" }));
  expect(sessions.size).toBe(3);
  expect(await sessions.end(third.token)).toBe(true);
  sessions.mint(); // a slot freed by end()
  expect(() => sessions.mint()).toThrow(expect.objectContaining({ kind: "resource-exhausted" }));
  clock.t = 1200; // the first two are idle past the TTL: minting sweeps them
  expect(() => sessions.mint()).not.toThrow();
  expect(sessions.match(first.token)).toBeUndefined();
});
