/**
 * The studio page: model picker, image input (drop, pick, paste), the result drawn over the
 * image, the results table, timings, controls that re-filter in the page, downloads, errors.
 * Every call goes to inferd's HTTP port over gRPC-Web with the generated codecs.
 */
import {
  InferRequest,
  InferResponse,
  ListFilesRequest,
  ListFilesResponse,
  ListModelsRequest,
  ListModelsResponse,
  modelStateToJSON,
  taskToJSON,
  type InferResult,
  type ModelInfo,
} from "@inferd/grpc-types/v1";
import { createBatchView } from "./batch-view";
import { drawScene, hitTest, tintMask } from "./draw-results";
import { explainError } from "./explain-error";
import { filterResults, type ResultFilter } from "./filter-results";
import { createGrpcWebClient } from "./grpc-web-client";
import { createVideoView } from "./video-view";
import { createWebcamView } from "./webcam-view";
import { rejectFile } from "./image-file";
import { inferctlSnippet } from "./request-snippet";
import { forgetSession, openSession, type PageSession } from "./studio-session";

/** What /config.json tells the page. */
interface StudioConfig {
  readonly inferdUrl: string;
}

/** The server is asked for everything above this; the controls filter the rest in the page. */
const CONFIDENCE_FLOOR = 0.05;

const $ = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page lacks #${id}`);
  return element as T;
};

interface Shown {
  readonly image: ImageBitmap;
  readonly fileName: string;
  readonly response: InferResponse;
  readonly mask: HTMLCanvasElement | undefined;
  readonly roundTripMs: number;
}

async function main(): Promise<void> {
  const config = (await (await fetch("config.json")).json()) as StudioConfig;
  const tokenInput = $<HTMLInputElement>("token");
  tokenInput.value = sessionStorage.getItem("inferd-token") ?? "";
  tokenInput.addEventListener("change", () => {
    // The token field holds the server's static token: it only mints the session.
    sessionStorage.setItem("inferd-token", tokenInput.value);
    forgetSession(sessionStorage);
    location.reload();
  });
  $("server").textContent = config.inferdUrl;
  // Every call uses this tab's session token, scoped by the server to the session's project.
  let session: PageSession | undefined;
  const client = createGrpcWebClient({ baseUrl: config.inferdUrl, token: () => session?.token });
  session = await openSession(config.inferdUrl, tokenInput.value.trim() || undefined, sessionStorage, async (candidate) => {
    session = candidate;
    try {
      await client.unary("inferd.v1.Files/ListFiles", ListFilesRequest.fromPartial({ project: candidate.project, pageSize: 1 }), ListFilesRequest, ListFilesResponse);
      return true;
    } catch {
      return false;
    }
  });
  document.body.setAttribute("data-project", session.project);

  const picker = $<HTMLSelectElement>("model");
  const canvas = $<HTMLCanvasElement>("canvas");
  const table = $<HTMLTableSectionElement>("results");
  const errorBox = $("error");
  const controls = {
    confidence: $<HTMLInputElement>("confidence"),
    iou: $<HTMLInputElement>("iou"),
    maxResults: $<HTMLInputElement>("max-results"),
    mask: $<HTMLInputElement>("show-mask"),
  };
  let models: ModelInfo[] = [];
  let shown: Shown | undefined;
  let visible: InferResult[] = [];
  let highlight = -1;

  const showError = (message: string | undefined): void => {
    errorBox.textContent = message ?? "";
    errorBox.hidden = message === undefined;
  };
  const setBusy = (busy: boolean): void => document.body.setAttribute("data-state", busy ? "busy" : "idle");

  function describeModel(): void {
    const model = models.find((m) => m.name === picker.value);
    const details = $("model-details");
    if (!model) {
      details.textContent = "";
      return;
    }
    const states = model.versions.map((v) => `v${v.version} ${modelStateToJSON(v.state).replace("MODEL_STATE_", "").toLowerCase()}${v.message ? ` (${v.message})` : ""}`);
    const inputs = model.inputs.map((t) => `${t.name} ${t.dataType} [${t.shape.join(", ")}]`);
    details.innerHTML = "";
    const rows: Array<[string, string]> = [
      ["task", taskToJSON(model.task).replace("TASK_", "").toLowerCase().replace("_", " ")],
      ["state", model.ready ? "ready" : "not ready"],
      ["versions", states.join("; ")],
      ["inputs", inputs.join("; ")],
      ["labels", model.labels.length > 0 ? model.labels.join(", ") : "(none)"],
    ];
    if (model.description) rows.unshift(["about", model.description]);
    for (const [key, value] of rows) {
      const dt = document.createElement("dt");
      dt.textContent = key;
      const dd = document.createElement("dd");
      dd.textContent = value;
      details.append(dt, dd);
    }
    if (model.defaultConfidenceThreshold > 0 && !shown) controls.confidence.value = String(model.defaultConfidenceThreshold);
    updateLabels();
  }

  async function loadModels(): Promise<void> {
    try {
      const answer = await client.unary("inferd.v1.Inference/ListModels", {}, ListModelsRequest, ListModelsResponse);
      models = answer.models;
      picker.innerHTML = "";
      for (const model of models) {
        const option = document.createElement("option");
        option.value = model.name;
        option.textContent = `${model.name} — ${taskToJSON(model.task).replace("TASK_", "").toLowerCase().replace("_", " ")}${model.ready ? "" : " (not ready)"}`;
        picker.append(option);
      }
      describeModel();
      showError(undefined);
    } catch (error) {
      showError(explainError("listing the models", error));
    }
  }

  function currentFilter(): ResultFilter {
    return { confidence: Number(controls.confidence.value), iou: Number(controls.iou.value), maxResults: Number(controls.maxResults.value) };
  }

  function updateLabels(): void {
    const f = currentFilter();
    $("confidence-value").textContent = f.confidence.toFixed(2);
    $("iou-value").textContent = f.iou.toFixed(2);
    $("max-results-value").textContent = f.maxResults === 0 ? "all" : String(f.maxResults);
  }

  function renderTable(): void {
    table.innerHTML = "";
    visible.forEach((result, index) => {
      const row = document.createElement("tr");
      row.dataset["index"] = String(index);
      if (index === highlight) row.className = "highlight";
      const b = result.box;
      const cells = [
        `<span class="swatch" style="background:${result.color}"></span>${result.label}`,
        result.confidence.toFixed(3),
        b ? b.x.toFixed(0) : "",
        b ? b.y.toFixed(0) : "",
        b ? b.width.toFixed(0) : "",
        b ? b.height.toFixed(0) : "",
      ];
      row.innerHTML = cells.map((c) => `<td>${c}</td>`).join("");
      row.addEventListener("mouseenter", () => setHighlight(index));
      row.addEventListener("mouseleave", () => setHighlight(-1));
      table.append(row);
    });
  }

  function setHighlight(index: number): void {
    if (index === highlight) return;
    highlight = index;
    for (const row of Array.from(table.rows)) row.classList.toggle("highlight", row.dataset["index"] === String(index));
    draw();
  }

  function draw(): void {
    if (!shown) return;
    drawScene(canvas, { image: shown.image, results: visible, highlight, mask: controls.mask.checked ? shown.mask : undefined });
  }

  /** Re-filters and re-draws the last answer: no request. */
  function render(): void {
    updateLabels();
    if (!shown) return;
    visible = filterResults(shown.response.results, currentFilter());
    highlight = -1;
    draw();
    renderTable();
    const t = shown.response.timings;
    $("summary").textContent = `${visible.length} of ${shown.response.results.length} results · ${shown.fileName} ${shown.response.imageWidth}×${shown.response.imageHeight} · ${shown.response.model} v${shown.response.version}`;
    $("timings").textContent = t
      ? `decode ${t.decodeMs.toFixed(1)} ms · preprocess ${t.preprocessMs.toFixed(1)} ms · inference ${t.inferenceMs.toFixed(1)} ms · postprocess ${t.postprocessMs.toFixed(1)} ms · server total ${t.totalMs.toFixed(1)} ms · round trip ${shown.roundTripMs.toFixed(0)} ms`
      : "";
    $("downloads").hidden = false;
    $("snippet").textContent = inferctlSnippet({ model: shown.response.model, fileName: shown.fileName, filter: currentFilter(), tokenSet: tokenInput.value.trim() !== "" });
  }

  async function run(file: File): Promise<void> {
    const rejected = rejectFile(file);
    if (rejected) {
      showError(rejected);
      return;
    }
    if (!picker.value) {
      showError("No model to run: the server lists none (or the list could not be loaded).");
      return;
    }
    setBusy(true);
    try {
      const bytes = Buffer.from(await file.arrayBuffer());
      const started = performance.now();
      const response = await client.unary(
        "inferd.v1.Inference/Infer",
        InferRequest.fromPartial({
          model: picker.value,
          image: { $case: "imageData", value: bytes },
          parameters: { confidenceThreshold: Math.min(CONFIDENCE_FLOOR, currentFilter().confidence), iouThreshold: 1, maxResults: 0, returnMask: true },
        }),
        InferRequest,
        InferResponse,
      );
      const roundTripMs = performance.now() - started;
      const image = await createImageBitmap(file);
      const mask = response.maskPng.length > 0 ? await tintMask(response.maskPng) : undefined;
      controls.mask.disabled = mask === undefined;
      shown = { image, fileName: file.name, response, mask, roundTripMs };
      showError(undefined);
      render();
    } catch (error) {
      showError(explainError("running the model", error));
    } finally {
      setBusy(false);
    }
  }

  const download = (name: string, blob: Blob): void => {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  };
  $("download-json").addEventListener("click", () => {
    if (!shown) return;
    const json = InferResponse.toJSON({ ...shown.response, results: visible, maskPng: Buffer.alloc(0) });
    download(`${shown.fileName}.inferd.json`, new Blob([JSON.stringify({ ...(json as object), filter: currentFilter() }, null, 2)], { type: "application/json" }));
  });
  $("copy-snippet").addEventListener("click", () => void navigator.clipboard?.writeText($("snippet").textContent ?? ""));
  $("download-png").addEventListener("click", () => {
    if (!shown) return;
    const name = `${shown.fileName}.annotated.png`;
    canvas.toBlob((blob) => blob && download(name, blob), "image/png");
  });

  for (const control of [controls.confidence, controls.iou, controls.maxResults]) control.addEventListener("input", render);
  controls.mask.addEventListener("change", draw);
  picker.addEventListener("change", describeModel);
  canvas.addEventListener("mousemove", (event) => {
    const rect = canvas.getBoundingClientRect();
    const x = ((event.clientX - rect.left) / rect.width) * canvas.width;
    const y = ((event.clientY - rect.top) / rect.height) * canvas.height;
    setHighlight(hitTest(visible, x, y));
  });
  canvas.addEventListener("mouseleave", () => setHighlight(-1));

  const drop = $("drop");
  const fileInput = $<HTMLInputElement>("file");
  drop.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => {
    const file = fileInput.files?.[0];
    if (file) void run(file);
    fileInput.value = "";
  });
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    const file = event.dataTransfer?.files[0];
    if (file) void run(file);
  });
  document.addEventListener("paste", (event) => {
    const file = Array.from(event.clipboardData?.files ?? [])[0];
    if (file) void run(file);
  });

  // This tab's session project (kept across reloads while the session lives, so a job can be re-attached).
  const project = session.project;
  createWebcamView({ client, model: () => picker.value, filter: currentFilter, confidenceFloor: CONFIDENCE_FLOOR, showError, element: $ });
  createVideoView({ client, model: () => picker.value, filter: currentFilter, confidenceFloor: CONFIDENCE_FLOOR, showError, element: $ });
  const batch = createBatchView({ client, project, model: () => picker.value, filter: currentFilter, showError, element: $ });

  updateLabels();
  await loadModels();
  setBusy(false);
  await batch.reattach();
}

main().catch((error: unknown) => {
  const box = document.getElementById("error");
  if (box) {
    box.hidden = false;
    box.textContent = `The studio could not start: ${error instanceof Error ? error.message : String(error)}`;
  }
});
