"""Cross-language check: a Python gRPC client (Debian python3-grpcio) against a running inferd.

Usage: client.py <stubs-dir> <address>. Prints one JSON object with what it observed; the jest
test (cross-language.test.ts) asserts on it. Extend it with more RPCs as the API grows.
"""
import hashlib
import json
import os
import sys

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
import health_pb2  # noqa: E402  (grpc.health.v1, generated from fixtures/health.proto)
import health_pb2_grpc  # noqa: E402
from inferd.v1 import diagnostics_pb2, diagnostics_pb2_grpc, files_pb2, files_pb2_grpc  # noqa: E402
from inferd.v1 import inference_pb2, inference_pb2_grpc  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def main() -> None:
    address = sys.argv[2]
    channel = grpc.insecure_channel(address)
    result = {}

    health = health_pb2_grpc.HealthStub(channel)
    # Watch until SERVING: the server turns SERVING once its models are loaded.
    for reply in health.Watch(health_pb2.HealthCheckRequest(service=""), timeout=60):
        if reply.status == health_pb2.HealthCheckResponse.SERVING:
            break
    result["health"] = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)

    diagnostics = diagnostics_pb2_grpc.DiagnosticsStub(channel)
    pong = diagnostics.Ping(diagnostics_pb2.PingRequest(message="from python", payload=b"\x00\x01\xff"), timeout=10)
    result["ping"] = {"message": pong.message, "payload": pong.payload.hex(), "version": pong.server_version}

    files = files_pb2_grpc.FilesStub(channel)
    data = os.urandom(200_000)
    digest = hashlib.sha256(data).hexdigest()
    half = 80_000

    def requests(offset, chunk):
        header = files_pb2.UploadHeader(project="py", path="cross/lang.bin", offset=offset, total_size=len(data), sha256=digest)
        yield files_pb2.UploadRequest(header=header)
        yield files_pb2.UploadRequest(chunk=chunk)

    first = files.Upload(requests(0, data[:half]), timeout=10)
    status = files.GetUploadStatus(files_pb2.GetUploadStatusRequest(project="py", path="cross/lang.bin"), timeout=10)
    try:
        files.Upload(requests(0, data), timeout=10)
        result["wrong_offset"] = "OK"
    except grpc.RpcError as error:
        result["wrong_offset"] = error.code().name
    resumed = files.Upload(requests(status.stored_bytes, data[status.stored_bytes:]), timeout=10)
    downloaded = b"".join(m.chunk for m in files.Download(files_pb2.DownloadRequest(uri=resumed.uri), timeout=10))
    result["upload"] = {
        "first_complete": first.complete,
        "first_stored": first.stored_bytes,
        "status_stored": status.stored_bytes,
        "status_in_progress": status.in_progress,
        "resumed_complete": resumed.complete,
        "resumed_sha256_ok": resumed.sha256 == digest,
        "uri": resumed.uri,
        "download_identical": downloaded == data,
    }
    result["inference"] = inference(channel, files)
    print(json.dumps(result))


def inference(channel, files) -> dict:
    """ListModels, Infer (bytes and errors) and a Run job with WatchJob, CancelJob and ListJobs, on the bundled PP-OCRv4 detector."""
    stub = inference_pb2_grpc.InferenceStub(channel)
    with open(os.path.join(FIXTURES, "text.png"), "rb") as f:
        image = f.read()
    observed = {}
    models = stub.ListModels(inference_pb2.ListModelsRequest(), timeout=10).models
    observed["models"] = {m.name: {"ready": m.ready, "task": inference_pb2.Task.Name(m.task)} for m in models}
    reply = stub.Infer(inference_pb2.InferRequest(model="pp-ocrv4-det", image_data=image, parameters=inference_pb2.InferParameters(return_mask=True)), timeout=30)
    observed["infer"] = {
        "model": reply.model,
        "size": [reply.image_width, reply.image_height],
        "labels": sorted({r.label for r in reply.results}),
        "count": len(reply.results),
        "boxes_inside": all(0 <= r.box.x and r.box.x + r.box.width <= reply.image_width + 0.01 for r in reply.results),
        "mask_png": reply.mask_png[:8] == b"\x89PNG\r\n\x1a\n",
        "timed": reply.timings.inference_ms > 0,
    }
    try:
        stub.Infer(inference_pb2.InferRequest(model="no-such-model", image_data=image), timeout=10)
        observed["unknown_model"] = "OK"
    except grpc.RpcError as error:
        observed["unknown_model"] = error.code().name

    def upload():
        header = files_pb2.UploadHeader(project="py", path="scans/text.png", offset=0, total_size=len(image))
        yield files_pb2.UploadRequest(header=header)
        yield files_pb2.UploadRequest(chunk=image)

    uri = files.Upload(upload(), timeout=10).uri
    updates = [m.update for m in stub.Run(inference_pb2.RunRequest(project="py", model="pp-ocrv4-det", image_uris=[uri]), timeout=60)]
    stage = inference_pb2.JobStage.Name
    job_id = updates[0].job_id
    stored = [u for u in updates if u.result_uri]
    document = b"".join(m.chunk for m in files.Download(files_pb2.DownloadRequest(uri=stored[0].result_uri), timeout=10))
    watched = [m.update for m in stub.WatchJob(inference_pb2.WatchJobRequest(job_id=job_id), timeout=10)]
    observed["run"] = {
        "stages": [stage(u.stage) for u in updates],
        "result_uri": stored[0].result_uri == f"inferd://py/results/{job_id}/scans/text.png.json",
        "result_count": stored[0].result_count,
        "stored_results": len(json.loads(document)["results"]),
        "summary": [updates[-1].summary.images_total, updates[-1].summary.images_succeeded],
        "watch": [stage(u.stage) for u in watched],
        "cancel_done": stage(stub.CancelJob(inference_pb2.CancelJobRequest(job_id=job_id), timeout=10).stage),
        "list_jobs": [
            [j.job_id == job_id, stage(j.stage), j.summary.images_succeeded, j.HasField("ended_time")]
            for j in stub.ListJobs(inference_pb2.ListJobsRequest(project="py"), timeout=10).jobs
        ],
    }
    return observed


if __name__ == "__main__":
    main()
