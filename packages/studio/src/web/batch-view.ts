/**
 * The batch view: many images → stored through Files.Upload (one whole-body call per image)
 * → a Run job whose streamed progress fills a gallery as each image finishes; Cancel calls
 * CancelJob; after a reload the page re-attaches to the job (ListFiles of its results so far,
 * then WatchJob). The images go to this tab's session project, which only this tab's session
 * token may use (the server enforces it; see studio-session.ts).
 */
import {
  CancelJobRequest,
  CancelJobResponse,
  DownloadRequest,
  DownloadResponse,
  InferResponse,
  JobStage,
  jobStageToJSON,
  ListFilesRequest,
  ListFilesResponse,
  RunRequest,
  RunResponse,
  UploadRequest,
  UploadResponse,
  WatchJobRequest,
  WatchJobResponse,
  type JobUpdate,
} from "@inferd/grpc-types/v1";
import { drawScene } from "./draw-results";
import { explainError } from "./explain-error";
import { filterResults, type ResultFilter } from "./filter-results";
import type { GrpcWebClient } from "./grpc-web-client";
import { rejectFile } from "./image-file";

/** Bytes per Upload chunk message. */
const CHUNK = 256 * 1024;
const JOB_KEY = "inferd-studio-batch-job";

/** What the batch view needs from the page. */
export interface BatchViewOptions {
  readonly client: GrpcWebClient;
  /** This tab's project. */
  readonly project: string;
  readonly model: () => string;
  readonly filter: () => ResultFilter;
  readonly showError: (message: string | undefined) => void;
  readonly element: (id: string) => HTMLElement;
}

/** Wires the batch section of the page; resolves once a saved job (if any) is re-attached. */
export function createBatchView(options: BatchViewOptions): { reattach(): Promise<void> } {
  const { client, element } = options;
  const input = element("batch-files") as HTMLInputElement;
  const runButton = element("batch-run") as HTMLButtonElement;
  const cancelButton = element("batch-cancel") as HTMLButtonElement;
  const progress = element("batch-progress") as HTMLProgressElement;
  const status = element("batch-status");
  const gallery = element("gallery");
  let jobId: string | undefined;
  const shown = new Set<string>();

  async function download(uri: string): Promise<Blob> {
    const parts: Uint8Array[] = [];
    for await (const piece of client.serverStream("inferd.v1.Files/Download", DownloadRequest.fromPartial({ uri }), DownloadRequest, DownloadResponse)) {
      parts.push(new Uint8Array(piece.chunk));
    }
    return new Blob(parts as BlobPart[]);
  }

  // The last job stays in sessionStorage after it ends, so a reload shows its gallery again.
  /** Adds one finished image; its result document names the image (`imageUri`). */
  async function addToGallery(resultUri: string): Promise<void> {
    if (shown.has(resultUri)) return;
    shown.add(resultUri);
    const figure = document.createElement("figure");
    figure.className = "thumb";
    gallery.append(figure);
    try {
      const stored = JSON.parse(await (await download(resultUri)).text()) as { imageUri?: unknown };
      const answer = InferResponse.fromJSON(stored);
      const imageUri = String(stored.imageUri);
      const image = await createImageBitmap(await download(imageUri));
      const canvas = document.createElement("canvas");
      drawScene(canvas, { image, results: filterResults(answer.results, options.filter()), highlight: -1 });
      const caption = document.createElement("figcaption");
      caption.textContent = `${imageUri.split("/").pop() ?? imageUri}: ${answer.results.length} result(s)`;
      figure.append(canvas, caption);
      figure.dataset["results"] = String(answer.results.length);
    } catch (error) {
      figure.textContent = explainError(`loading the result ${resultUri}`, error);
    }
  }

  function onUpdate(update: JobUpdate): Promise<void> | undefined {
    progress.value = update.progress;
    status.textContent = `job ${update.jobId.slice(0, 8)}: ${jobStageToJSON(update.stage).replace("JOB_STAGE_", "").toLowerCase()}${update.summary ? ` · ${update.summary.imagesSucceeded + update.summary.imagesFailed} of ${update.summary.imagesTotal} image(s)` : ""}${update.imageError ? ` · ${update.imageError}` : ""}`;
    const finished = update.stage === JobStage.DONE || update.stage === JobStage.FAILED || update.stage === JobStage.CANCELLED;
    document.body.setAttribute("data-batch", finished ? "finished" : "running");
    cancelButton.disabled = finished;
    return update.resultUri ? addToGallery(update.resultUri) : undefined;
  }

  async function follow(updates: AsyncGenerator<{ update?: JobUpdate | undefined }>): Promise<void> {
    const pending: Promise<void>[] = [];
    for await (const { update } of updates) {
      if (!update) continue;
      if (!jobId) {
        jobId = update.jobId;
        sessionStorage.setItem(JOB_KEY, jobId);
      }
      const adding = onUpdate(update);
      if (adding) pending.push(adding);
    }
    await Promise.all(pending);
  }

  async function upload(file: File, path: string): Promise<string> {
    const bytes = Buffer.from(await file.arrayBuffer());
    const requests: UploadRequest[] = [UploadRequest.fromPartial({ content: { $case: "header", value: { project: options.project, path, offset: 0n, restart: true } } })];
    for (let at = 0; at < bytes.length; at += CHUNK) requests.push({ content: { $case: "chunk", value: bytes.subarray(at, at + CHUNK) } });
    const stored = await client.clientStream("inferd.v1.Files/Upload", requests, UploadRequest, UploadResponse);
    return stored.uri;
  }

  async function run(): Promise<void> {
    const files = Array.from(input.files ?? []);
    const rejected = files.map(rejectFile).find((message) => message !== undefined);
    if (files.length === 0 || rejected) {
      options.showError(rejected ?? "Pick one or more images for the batch first.");
      return;
    }
    runButton.disabled = true;
    gallery.innerHTML = "";
    shown.clear();
    jobId = undefined;
    document.body.setAttribute("data-batch", "uploading");
    try {
      const folder = `batch/${Date.now()}`;
      const uris: string[] = [];
      for (const [index, file] of files.entries()) {
        status.textContent = `uploading ${index + 1} of ${files.length}: ${file.name}`;
        uris.push(await upload(file, `${folder}/${index}-${file.name}`));
      }
      options.showError(undefined);
      await follow(client.serverStream("inferd.v1.Inference/Run", RunRequest.fromPartial({ project: options.project, model: options.model(), imageUris: uris }), RunRequest, RunResponse));
    } catch (error) {
      document.body.setAttribute("data-batch", "failed");
      options.showError(explainError("running the batch", error));
    } finally {
      runButton.disabled = false;
    }
  }

  runButton.addEventListener("click", () => void run());
  cancelButton.addEventListener("click", () => {
    if (!jobId) return;
    client.unary("inferd.v1.Inference/CancelJob", { jobId }, CancelJobRequest, CancelJobResponse).catch((error: unknown) => options.showError(explainError("cancelling the job", error)));
  });

  return {
    async reattach() {
      const saved = sessionStorage.getItem(JOB_KEY);
      if (!saved) return;
      jobId = saved;
      try {
        const listed = await client.unary("inferd.v1.Files/ListFiles", ListFilesRequest.fromPartial({ project: options.project, prefix: `results/${saved}/`, pageSize: 1000 }), ListFilesRequest, ListFilesResponse);
        await Promise.all(listed.files.filter((f) => f.path.endsWith(".json")).map((f) => addToGallery(f.uri)));
        await follow(client.serverStream("inferd.v1.Inference/WatchJob", { jobId: saved }, WatchJobRequest, WatchJobResponse));
      } catch (error) {
        options.showError(explainError("re-attaching to the batch job", error));
      }
    },
  };
}
