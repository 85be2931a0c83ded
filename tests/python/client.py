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


def main() -> None:
    address = sys.argv[2]
    channel = grpc.insecure_channel(address)
    result = {}

    health = health_pb2_grpc.HealthStub(channel)
    reply = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
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
    print(json.dumps(result))


if __name__ == "__main__":
    main()
