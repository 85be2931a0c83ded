/**
 * The studio in a real browser: Debian's chromium driven by playwright-core, against an
 * embedded inferd on the bundled text detector. Takes the README screenshots (see SHOTS).
 */
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InferResponse, type InferResult } from "@inferd/grpc-types/v1";
import { chromium, type Browser, type Page } from "playwright-core";
import { startStudio, type Studio } from "../start-studio";

const CHROMIUM = "/usr/bin/chromium";
const REPO = join(__dirname, "../../../..");
const SAMPLE = join(REPO, "examples/sample-text.png");
// Every run takes the screenshots; they replace the README's (docs/studio) only when asked, so a
// test run leaves the work tree clean: INFERD_UPDATE_SCREENSHOTS=1 npx jest packages/studio.
const SHOTS = process.env["INFERD_UPDATE_SCREENSHOTS"] === "1" ? join(REPO, "docs/studio") : join(tmpdir(), `inferd-studio-shots-${process.pid}`);

let studio: Studio;
let browser: Browser;
let page: Page;
/** Infer calls the page made, with their decoded answers. */
const inferAnswers: InferResponse[] = [];
let inferRequests = 0;

function decodeGrpcWeb(bytes: Buffer): InferResponse {
  const length = bytes.readUInt32BE(1);
  return InferResponse.decode(bytes.subarray(5, 5 + length));
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  await mkdir(SHOTS, { recursive: true });
  studio = await startStudio();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      // Chromium's built-in fake camera, allowed without a prompt, for the webcam view.
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
    ],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on("request", (request) => {
    if (request.url().endsWith("/inferd.v1.Inference/Infer")) inferRequests += 1;
  });
  await page.goto(studio.url);
  await page.waitForSelector("body[data-state=idle]");
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await studio?.close();
});

/** Drops `bytes` as a file on the drop zone, as a drag from the desktop does. */
async function dropFile(name: string, type: string, bytes: Buffer): Promise<void> {
  await page.evaluate(
    ({ name, type, data }) => {
      const file = new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], name, { type });
      const transfer = new DataTransfer();
      transfer.items.add(file);
      document.getElementById("drop")?.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    },
    { name, type, data: bytes.toString("base64") },
  );
}

/** RGBA of the canvas at image pixel (x, y). */
function pixel(x: number, y: number): Promise<number[]> {
  return page.evaluate(
    ({ x, y }) => {
      const canvas = document.getElementById("canvas") as HTMLCanvasElement;
      return Array.from(canvas.getContext("2d")?.getImageData(x, y, 1, 1).data ?? []);
    },
    { x, y },
  );
}

const hex = (rgba: number[]): string => `#${rgba.slice(0, 3).map((v) => v.toString(16).padStart(2, "0")).join("")}`;

/** The results the page should show for confidence threshold `min`. */
const above = (results: readonly InferResult[], min: number): InferResult[] => results.filter((r) => r.confidence >= min);

test("drop the sample image: the boxes are drawn where the model put them", async () => {
  const answered = page.waitForResponse((response) => response.url().endsWith("/inferd.v1.Inference/Infer"));
  await dropFile("sample-text.png", "image/png", await readFile(SAMPLE));
  const answer = decodeGrpcWeb(await (await answered).body());
  inferAnswers.push(answer);
  await page.waitForSelector("#results tr");
  await page.waitForSelector("body[data-state=idle]");
  expect(inferRequests).toBe(1);
  const threshold = Number(await page.inputValue("#confidence"));
  const expected = above(answer.results, threshold);
  expect(expected.length).toBeGreaterThan(0);
  expect(await page.locator("#results tr").count()).toBe(expected.length);
  expect(await page.evaluate(() => [(document.getElementById("canvas") as HTMLCanvasElement).width, (document.getElementById("canvas") as HTMLCanvasElement).height])).toEqual([
    answer.imageWidth,
    answer.imageHeight,
  ]);
  // The left and right edges of every box, half-way down, are in the result's colour.
  let onEdge = 0;
  for (const result of expected) {
    const box = result.box;
    if (!box) continue;
    const midY = Math.round(box.y + box.height / 2);
    const left = hex(await pixel(Math.floor(box.x + 1), midY));
    const right = hex(await pixel(Math.ceil(box.x + box.width - 2), midY));
    if (left === result.color && right === result.color) onEdge += 1;
  }
  // Tags of neighbouring boxes may cover an edge here and there; nearly all must match.
  expect(onEdge).toBeGreaterThanOrEqual(Math.ceil(expected.length * 0.9));
  // Hovering a row highlights it (and its box).
  await page.hover("#results tr:first-child");
  expect(await page.getAttribute("#results tr:first-child", "class")).toBe("highlight");
  await page.screenshot({ path: join(SHOTS, "image-view.png"), fullPage: true });
}, 60_000);

test("a threshold change re-renders from the same answer, without a new request", async () => {
  const answer = inferAnswers[0] as InferResponse;
  const confidences = answer.results.map((r) => r.confidence).sort((a, b) => a - b);
  const middle = Number((confidences[Math.floor(confidences.length / 2)] ?? 0.5).toFixed(2));
  await page.evaluate((value) => {
    const input = document.getElementById("confidence") as HTMLInputElement;
    input.value = String(value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }, middle);
  const applied = Number(await page.inputValue("#confidence"));
  const expected = above(answer.results, applied);
  expect(expected.length).toBeLessThan(answer.results.length);
  expect(await page.locator("#results tr").count()).toBe(expected.length);
  // A box now filtered out is no longer drawn: its left edge shows the image again.
  const dropped = answer.results.find((r) => r.confidence < applied && r.box && !expected.some((e) => e.box && r.box && Math.abs(e.box.x - r.box.x) < 8 && Math.abs(e.box.y - r.box.y) < 40));
  if (dropped?.box) {
    const { box } = dropped;
    expect(hex(await pixel(Math.floor(box.x + 1), Math.round(box.y + box.height / 2)))).not.toBe(dropped.color);
  }
  expect(inferRequests).toBe(1);
  // The copyable command follows the controls.
  expect(await page.textContent("#snippet")).toContain(`--threshold ${applied}`);
});

test("the mask overlay toggles on the canvas", async () => {
  const answer = inferAnswers[0] as InferResponse;
  const box = answer.results[0]?.box;
  expect(box).toBeDefined();
  const at = { x: Math.round((box?.x ?? 0) + (box?.width ?? 0) / 2), y: Math.round((box?.y ?? 0) + (box?.height ?? 0) / 2) };
  const before = await pixel(at.x, at.y);
  await page.check("#show-mask");
  const after = await pixel(at.x, at.y);
  expect(after).not.toEqual(before);
  await page.locator("main").screenshot({ path: join(SHOTS, "mask-overlay.png") });
  await page.uncheck("#show-mask");
  expect(await pixel(at.x, at.y)).toEqual(before);
  expect(inferRequests).toBe(1);
});

test("downloads: the result JSON as shown and the annotated PNG", async () => {
  const rows = await page.locator("#results tr").count();
  const [json] = await Promise.all([page.waitForEvent("download"), page.click("#download-json")]);
  const saved = JSON.parse(await readFile((await json.path()) ?? "", "utf8")) as { results: unknown[]; imageWidth: number; filter: { confidence: number } };
  expect(saved.results).toHaveLength(rows);
  expect(saved.imageWidth).toBe(inferAnswers[0]?.imageWidth);
  expect(saved.filter.confidence).toBe(Number(await page.inputValue("#confidence")));
  const [png] = await Promise.all([page.waitForEvent("download"), page.click("#download-png")]);
  const bytes = await readFile((await png.path()) ?? "");
  expect(bytes.subarray(1, 4).toString()).toBe("PNG");
  expect(bytes.readUInt32BE(16)).toBe(inferAnswers[0]?.imageWidth);
  expect(inferRequests).toBe(1);
});

test("pasting an image runs it", async () => {
  const answered = page.waitForResponse((response) => response.url().endsWith("/inferd.v1.Inference/Infer"));
  const data = (await readFile(SAMPLE)).toString("base64");
  await page.evaluate((data) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], "pasted.png", { type: "image/png" }));
    document.dispatchEvent(new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true }));
  }, data);
  const answer = decodeGrpcWeb(await (await answered).body());
  inferAnswers.push(answer);
  expect(inferRequests).toBe(2);
  await page.waitForSelector("body[data-state=idle]");
  expect(await page.textContent("#summary")).toContain("pasted.png");
});

test("a wrong file type shows the error and the page keeps its last result", async () => {
  const rows = await page.locator("#results tr").count();
  await page.setInputFiles("#file", { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not an image") });
  await page.waitForSelector("#error:not([hidden])");
  expect(await page.textContent("#error")).toContain("notes.txt");
  expect(inferRequests).toBe(2);
  expect(await page.locator("#results tr").count()).toBe(rows);
  await page.screenshot({ path: join(SHOTS, "wrong-file-type.png") });
});

test("webcam: the fake camera's frames get live results, one request at a time", async () => {
  const before = inferRequests;
  await page.click("#webcam-toggle");
  await page.waitForFunction(() => Number(document.getElementById("webcam-stats")?.dataset["frames"] ?? 0) >= 3, undefined, { timeout: 30_000 });
  const stats = await page.evaluate(() => ({ ...(document.getElementById("webcam-stats") as HTMLElement).dataset }));
  expect(Number(stats["latencyMs"])).toBeGreaterThan(0);
  const canvasSize = await page.evaluate(() => [(document.getElementById("webcam-canvas") as HTMLCanvasElement).width, (document.getElementById("webcam-canvas") as HTMLCanvasElement).height]);
  expect(canvasSize).toEqual([640, 480]);
  await page.locator("#webcam-canvas").screenshot({ path: join(SHOTS, "webcam.png") });
  await page.click("#webcam-toggle");
  const sent = inferRequests - before;
  const processed = Number(await page.evaluate(() => document.getElementById("webcam-stats")?.dataset["frames"]));
  expect(sent).toBeGreaterThanOrEqual(3);
  // Never more requests than answers plus the one in flight at stop: frames are dropped, not queued.
  expect(sent).toBeLessThanOrEqual(processed + 1);
}, 60_000);

test("video: a short recording made in the page gives one result set per sampled frame", async () => {
  // Record ~1.6 s of a canvas showing large text with MediaRecorder: a real WebM file.
  const webm = await page.evaluate(async () => {
    const source = document.createElement("canvas");
    source.width = 640;
    source.height = 360;
    const g = source.getContext("2d") as CanvasRenderingContext2D;
    const recorder = new MediaRecorder(source.captureStream(25), { mimeType: "video/webm" });
    const chunks: Blob[] = [];
    recorder.ondataavailable = (event) => chunks.push(event.data);
    const stopped = new Promise((resolve) => (recorder.onstop = resolve));
    let frame = 0;
    const paint = (): void => {
      g.fillStyle = "#f4f1ea";
      g.fillRect(0, 0, 640, 360);
      g.fillStyle = "#222";
      g.font = "56px sans-serif";
      g.fillText(`video frame ${frame++}`, 40 + frame, 120);
    };
    paint();
    recorder.start(100);
    const timer = setInterval(paint, 40);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    clearInterval(timer);
    recorder.stop();
    await stopped;
    const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
    let text = "";
    for (const b of bytes) text += String.fromCharCode(b);
    return btoa(text);
  });
  const before = inferRequests;
  await page.setInputFiles("#video-file", { name: "clip.webm", mimeType: "video/webm", buffer: Buffer.from(webm, "base64") });
  await page.waitForSelector("body[data-video=done]", { timeout: 60_000 });
  const { frames, expected } = await page.evaluate(() => ({ ...(document.getElementById("video-status") as HTMLElement).dataset }));
  expect(Number(expected)).toBeGreaterThanOrEqual(3);
  expect(frames).toBe(expected);
  expect(inferRequests - before).toBe(Number(expected));
  // Scrubbing shows a stored frame: no new request.
  await page.evaluate(() => {
    const scrub = document.getElementById("video-scrub") as HTMLInputElement;
    scrub.value = "0";
    scrub.dispatchEvent(new Event("input", { bubbles: true }));
  });
  expect(await page.textContent("#video-status")).toMatch(/^frame 1 of /);
  expect(inferRequests - before).toBe(Number(expected));
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#video-download")]);
  const saved = JSON.parse(await readFile((await download.path()) ?? "", "utf8")) as { frames: Array<{ results?: unknown[] }> };
  expect(saved.frames).toHaveLength(Number(expected));
  expect(saved.frames.filter((f) => (f.results?.length ?? 0) > 0).length).toBeGreaterThanOrEqual(Number(expected) - 1);
  await page.locator("#video-canvas").screenshot({ path: join(SHOTS, "video.png") });
}, 90_000);

test("batch: images stored through Files, a Run job fills the gallery, a reload re-attaches", async () => {
  const sample = await readFile(SAMPLE);
  await page.setInputFiles("#batch-files", [
    { name: "first.png", mimeType: "image/png", buffer: sample },
    { name: "second.png", mimeType: "image/png", buffer: sample },
  ]);
  const before = inferRequests;
  await page.click("#batch-run");
  await page.waitForSelector("body[data-batch=finished]");
  await page.waitForFunction(() => document.querySelectorAll("#gallery figure canvas").length === 2);
  expect(await page.evaluate(() => (document.getElementById("batch-progress") as HTMLProgressElement).value)).toBe(1);
  const counts = await page.$$eval("#gallery figure", (figures) => figures.map((f) => (f as HTMLElement).dataset["results"]));
  expect(counts).toEqual(["3", "3"]);
  expect(inferRequests).toBe(before); // the job ran server-side, not through Infer
  await page.locator("main").screenshot({ path: join(SHOTS, "batch.png") });
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll("#gallery figure canvas").length === 2);
  await page.waitForSelector("body[data-batch=finished]");
}, 60_000);
