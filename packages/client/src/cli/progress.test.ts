import { createProgress, renderBar } from "./progress";

function sink(columns = 60): { write: (text: string) => void; columns: number; text: () => string } {
  let written = "";
  return { write: (text) => void (written += text), columns, text: () => written };
}

test("plain mode prints one line per 10% step", () => {
  const out = sink();
  const progress = createProgress(out, "upload a.bin", { mode: "lines" });
  for (let done = 0; done <= 1000; done += 50) progress.update(done, 1000, `${done} B`);
  const lines = out.text().trim().split("\n");
  expect(lines).toHaveLength(11);
  expect(lines[0]).toBe("upload a.bin: 0.0% (0 B)");
  expect(lines[10]).toBe("upload a.bin: 100.0% (1000 B)");
});

test("bar mode redraws one line, at most every 100 ms until done", () => {
  const out = sink();
  let now = 0;
  const progress = createProgress(out, "job", { mode: "bar", now: () => now });
  progress.update(10, 100);
  progress.update(20, 100); // within 100 ms: skipped
  now = 150;
  progress.update(30, 100);
  progress.update(100, 100); // completion is always drawn
  progress.finish();
  const frames = out.text().split("\r\x1b[2K").filter((frame) => frame !== "");
  expect(frames).toHaveLength(3);
  expect(frames[2]).toContain("100.0%");
  expect(out.text()).not.toContain("\n");
  expect(out.text().endsWith("\r\x1b[2K")).toBe(true);
});

test("bar mode keeps logged lines above the bar", () => {
  const out = sink();
  const progress = createProgress(out, "job", { mode: "bar", now: () => 0 });
  progress.update(1, 2);
  progress.log("done a.png");
  expect(out.text()).toContain("\r\x1b[2Kdone a.png\njob [");
});

test("none mode prints nothing", () => {
  const out = sink();
  const progress = createProgress(out, "x", { mode: "none" });
  progress.update(1, 2);
  progress.log("hello");
  progress.finish();
  expect(out.text()).toBe("");
});

test("the bar fits the terminal width", () => {
  const line = renderBar("upload some-file.bin", 5, 10, "5 B of 10 B", 50);
  expect(line.length).toBeLessThan(50);
  expect(line).toContain("50.0%");
  expect(renderBar("x", 10, 10, "", 80)).toContain(`[${"#".repeat(40)}]`);
});
