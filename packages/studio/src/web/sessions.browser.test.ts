/**
 * Session isolation in a real browser: two browser contexts (two users) each get their own
 * server-side session from the studio page; the second cannot read the first one's files or
 * results, even when it knows (here: is told) their exact inferd:// URIs.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Code } from "./grpc-web-client";
import { DownloadRequest, ListFilesRequest } from "@inferd/grpc-types/v1";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { startStudio, type Studio } from "../start-studio";

const CHROMIUM = "/usr/bin/chromium";
const SAMPLE = join(__dirname, "../../../../examples/sample-text.png");

let studio: Studio;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  studio = await startStudio();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"] });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await studio?.close();
});

async function openStudio(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(studio.url);
  await page.waitForSelector("body[data-state=idle]");
  return page;
}

/**
 * Makes a raw gRPC-Web call from inside `page` with the page's own session token (as any
 * script on the page could) and returns its grpc-status.
 */
function callFromPage(page: Page, method: string, request: Uint8Array, withToken = true): Promise<number> {
  return page.evaluate(
    async ({ base, method, body, withToken }) => {
      const session = JSON.parse(sessionStorage.getItem("inferd-studio-session") ?? "{}") as { token?: string };
      const bytes = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
      const framed = new Uint8Array(5 + bytes.length);
      new DataView(framed.buffer).setUint32(1, bytes.length);
      framed.set(bytes, 5);
      const headers: Record<string, string> = { "content-type": "application/grpc-web+proto", "x-grpc-web": "1" };
      if (withToken && session.token) headers["authorization"] = `Bearer ${session.token}`;
      const response = await fetch(`${base}/${method}`, { method: "POST", headers, body: framed });
      const fromHeader = response.headers.get("grpc-status");
      if (fromHeader !== null) return Number(fromHeader);
      const answer = new Uint8Array(await response.arrayBuffer());
      const match = /grpc-status:\s*(\d+)/.exec(new TextDecoder().decode(answer));
      return match ? Number(match[1]) : -1;
    },
    { base: studio.inferdUrl, method, body: Buffer.from(request).toString("base64"), withToken },
  );
}

test("two browser contexts get separate sessions; one cannot read the other's results even by URI", async () => {
  const alice = await openStudio();
  const bob = await openStudio();
  const aliceProject = (await alice.getAttribute("body", "data-project")) ?? "";
  const bobProject = (await bob.getAttribute("body", "data-project")) ?? "";
  expect(aliceProject).toMatch(/^studio-/);
  expect(bobProject).toMatch(/^studio-/);
  expect(aliceProject).not.toBe(bobProject);

  // Alice uploads and runs a batch job: her gallery fills with the results.
  const sample = await readFile(SAMPLE);
  await alice.setInputFiles("#batch-files", [{ name: "mine.png", mimeType: "image/png", buffer: sample }]);
  await alice.click("#batch-run");
  await alice.waitForSelector("body[data-batch=finished]");
  await alice.waitForFunction(() => document.querySelectorAll("#gallery figure canvas").length === 1);

  // The exact URIs of her image and result (what a guesser would have to find).
  const stored = await studio.embedded?.context.fileStore.list(aliceProject, "", 100, "");
  const uris = (stored?.files ?? []).map((f) => f.uri);
  expect(uris.some((uri) => uri.includes("/results/"))).toBe(true);
  expect(uris.length).toBeGreaterThanOrEqual(2);

  const download = (uri: string): Uint8Array => DownloadRequest.encode({ uri, offset: 0n }).finish();
  const list = (project: string): Uint8Array => ListFilesRequest.encode({ project, prefix: "", pageSize: 0, pageToken: "" }).finish();
  for (const uri of uris) {
    expect(await callFromPage(alice, "inferd.v1.Files/Download", download(uri))).toBe(Code.OK);
    expect(await callFromPage(bob, "inferd.v1.Files/Download", download(uri))).toBe(Code.PERMISSION_DENIED);
    // Without any token (the embedded server has auth off) session projects are closed too.
    expect(await callFromPage(bob, "inferd.v1.Files/Download", download(uri), false)).toBe(Code.PERMISSION_DENIED);
  }
  expect(await callFromPage(bob, "inferd.v1.Files/ListFiles", list(aliceProject))).toBe(Code.PERMISSION_DENIED);
  expect(await callFromPage(bob, "inferd.v1.Files/ListFiles", list(bobProject))).toBe(Code.OK);
  // Bob's own page shows none of Alice's work.
  expect(await bob.locator("#gallery figure").count()).toBe(0);

  // A reload keeps Alice's session (her job is re-attached), it does not mint a new one.
  await alice.reload();
  await alice.waitForSelector("body[data-state=idle]");
  expect(await alice.getAttribute("body", "data-project")).toBe(aliceProject);
}, 120_000);
