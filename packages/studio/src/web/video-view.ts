/**
 * The video view: a local video file is sampled every {@link SAMPLE_SECONDS} (seek, grab, Infer
 * one frame at a time), the results of each sampled frame are kept, a timeline scrubber shows
 * any sampled frame with its overlay (no new request), and one download holds every frame's
 * results.
 */
import { InferRequest, InferResponse } from "@inferd/grpc-types/v1";
import { drawScene } from "./draw-results";
import { explainError } from "./explain-error";
import { filterResults, type ResultFilter } from "./filter-results";
import type { GrpcWebClient } from "./grpc-web-client";

/** Seconds between sampled frames. */
export const SAMPLE_SECONDS = 0.5;
/** Most frames sampled from one video. */
const MAX_FRAMES = 240;

/** What the video view needs from the page. */
export interface VideoViewOptions {
  readonly client: GrpcWebClient;
  readonly model: () => string;
  readonly filter: () => ResultFilter;
  readonly confidenceFloor: number;
  readonly showError: (message: string | undefined) => void;
  readonly element: (id: string) => HTMLElement;
}

interface SampledFrame {
  readonly timeSeconds: number;
  readonly image: ImageBitmap;
  readonly response: InferResponse;
}

function once(target: EventTarget, event: string): Promise<void> {
  return new Promise((resolve, reject) => {
    target.addEventListener(event, () => resolve(), { once: true });
    target.addEventListener("error", () => reject(new Error("the browser cannot decode this video")), { once: true });
  });
}

/** The video's duration; recordings (MediaRecorder webm) report Infinity until sought to the end. */
async function durationOf(video: HTMLVideoElement): Promise<number> {
  if (Number.isFinite(video.duration)) return video.duration;
  const changed = once(video, "durationchange");
  video.currentTime = Number.MAX_SAFE_INTEGER;
  await changed;
  return video.duration;
}

/** Wires the video section of the page. */
export function createVideoView(options: VideoViewOptions): void {
  const input = options.element("video-file") as HTMLInputElement;
  const scrub = options.element("video-scrub") as HTMLInputElement;
  const status = options.element("video-status");
  const canvas = options.element("video-canvas") as HTMLCanvasElement;
  let frames: SampledFrame[] = [];
  let fileName = "";

  function show(index: number): void {
    const frame = frames[index];
    if (!frame) return;
    drawScene(canvas, { image: frame.image, results: filterResults(frame.response.results, options.filter()), highlight: -1 });
    status.textContent = `frame ${index + 1} of ${frames.length} at ${frame.timeSeconds.toFixed(2)} s: ${frame.response.results.length} result(s)`;
  }

  async function analyse(file: File): Promise<void> {
    if (!file.type.startsWith("video/")) {
      options.showError(`“${file.name}” is not a video (${file.type || "unknown type"}): pick a WebM or MP4 file.`);
      return;
    }
    frames = [];
    fileName = file.name;
    status.dataset["frames"] = "0";
    document.body.setAttribute("data-video", "working");
    const video = document.createElement("video");
    video.muted = true;
    video.preload = "auto";
    const url = URL.createObjectURL(file);
    try {
      const loaded = once(video, "loadeddata");
      video.src = url;
      await loaded;
      const duration = await durationOf(video);
      const times: number[] = [];
      for (let t = 0; t <= duration && times.length < MAX_FRAMES; t += SAMPLE_SECONDS) times.push(t);
      status.dataset["expected"] = String(times.length);
      const grab = document.createElement("canvas");
      for (const time of times) {
        const sought = once(video, "seeked");
        video.currentTime = Math.min(time, Math.max(duration - 0.001, 0));
        await sought;
        grab.width = video.videoWidth;
        grab.height = video.videoHeight;
        grab.getContext("2d")?.drawImage(video, 0, 0);
        const image = await createImageBitmap(grab);
        const blob = await new Promise<Blob | null>((resolve) => grab.toBlob(resolve, "image/png"));
        if (!blob) throw new Error("the frame could not be encoded");
        const response = await options.client.unary(
          "inferd.v1.Inference/Infer",
          InferRequest.fromPartial({
            model: options.model(),
            image: { $case: "imageData", value: Buffer.from(await blob.arrayBuffer()) },
            parameters: { confidenceThreshold: options.confidenceFloor, iouThreshold: 1, maxResults: 0 },
          }),
          InferRequest,
          InferResponse,
        );
        frames.push({ timeSeconds: time, image, response });
        scrub.max = String(frames.length - 1);
        scrub.value = String(frames.length - 1);
        status.dataset["frames"] = String(frames.length);
        show(frames.length - 1);
      }
      options.showError(undefined);
      (options.element("video-download") as HTMLButtonElement).disabled = false;
    } catch (error) {
      options.showError(explainError(`analysing the video “${file.name}”`, error));
    } finally {
      URL.revokeObjectURL(url);
      document.body.setAttribute("data-video", "done");
    }
  }

  input.addEventListener("change", () => {
    const file = input.files?.[0];
    if (file) void analyse(file);
  });
  scrub.addEventListener("input", () => show(Number(scrub.value)));
  options.element("video-download").addEventListener("click", () => {
    const all = frames.map((f) => ({ timeSeconds: f.timeSeconds, ...(InferResponse.toJSON({ ...f.response, maskPng: Buffer.alloc(0) }) as object) }));
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([JSON.stringify({ video: fileName, sampleSeconds: SAMPLE_SECONDS, frames: all }, null, 2)], { type: "application/json" }));
    link.download = `${fileName}.inferd.json`;
    link.click();
  });
}
