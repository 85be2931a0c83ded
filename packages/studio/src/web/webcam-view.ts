/**
 * The webcam view: frames from getUserMedia go to Infer one at a time; while a frame is at the
 * server, newer frames are dropped instead of queued, so the overlay runs at the rate the
 * server sustains. Shows the achieved fps, the last round-trip latency and the dropped count.
 */
import { InferRequest, InferResponse } from "@inferd/grpc-types/v1";
import { drawScene } from "./draw-results";
import { explainError } from "./explain-error";
import { filterResults, type ResultFilter } from "./filter-results";
import type { GrpcWebClient } from "./grpc-web-client";

/** What the webcam view needs from the page. */
export interface WebcamViewOptions {
  readonly client: GrpcWebClient;
  readonly model: () => string;
  readonly filter: () => ResultFilter;
  readonly confidenceFloor: number;
  readonly showError: (message: string | undefined) => void;
  readonly element: (id: string) => HTMLElement;
}

/** Wires the webcam section of the page. */
export function createWebcamView(options: WebcamViewOptions): void {
  const button = options.element("webcam-toggle") as HTMLButtonElement;
  const canvas = options.element("webcam-canvas") as HTMLCanvasElement;
  const stats = options.element("webcam-stats");
  const video = document.createElement("video");
  video.muted = true;
  video.playsInline = true;
  let stream: MediaStream | undefined;
  let running = false;
  let frames = 0;
  let dropped = 0;
  const done: number[] = [];

  function report(latencyMs: number): void {
    const now = performance.now();
    done.push(now);
    while (done.length > 0 && (done[0] ?? now) < now - 2000) done.shift();
    const fps = done.length / 2;
    stats.textContent = `${fps.toFixed(1)} fps · latency ${latencyMs.toFixed(0)} ms · ${frames} frame(s) processed, ${dropped} dropped`;
    stats.dataset["frames"] = String(frames);
    stats.dataset["latencyMs"] = latencyMs.toFixed(0);
  }

  async function loop(): Promise<void> {
    const grab = document.createElement("canvas");
    let inFlight = false;
    const tick = (): void => {
      if (!running) return;
      if (inFlight) {
        dropped += 1;
      } else if (video.videoWidth > 0) {
        inFlight = true;
        grab.width = video.videoWidth;
        grab.height = video.videoHeight;
        grab.getContext("2d")?.drawImage(video, 0, 0);
        void send(grab).finally(() => (inFlight = false));
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  async function send(frame: HTMLCanvasElement): Promise<void> {
    const started = performance.now();
    const bitmap = await createImageBitmap(frame);
    const blob = await new Promise<Blob | null>((resolve) => frame.toBlob(resolve, "image/jpeg", 0.85));
    if (!blob) return;
    try {
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
      if (!running) return;
      frames += 1;
      drawScene(canvas, { image: bitmap, results: filterResults(response.results, options.filter()), highlight: -1 });
      report(performance.now() - started);
    } catch (error) {
      options.showError(explainError("running the model on a webcam frame", error));
      stop();
    }
  }

  function stop(): void {
    running = false;
    stream?.getTracks().forEach((track) => track.stop());
    stream = undefined;
    button.textContent = "Start webcam";
    document.body.removeAttribute("data-webcam");
  }

  button.addEventListener("click", () => {
    if (running) {
      stop();
      return;
    }
    navigator.mediaDevices
      .getUserMedia({ video: { width: 640, height: 480 } })
      .then(async (media) => {
        stream = media;
        video.srcObject = media;
        await video.play();
        running = true;
        frames = 0;
        dropped = 0;
        button.textContent = "Stop webcam";
        document.body.setAttribute("data-webcam", "on");
        await loop();
      })
      .catch((error: unknown) => options.showError(`The webcam could not start: ${error instanceof Error ? error.message : String(error)}. Allow camera access, or use an image.`));
  });
}
