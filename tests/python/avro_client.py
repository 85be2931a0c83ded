"""Cross-language check of inferd.avro.Pipeline with an independent Avro implementation.

Debian's python3-avro encodes the requests and decodes the responses; python3-grpcio carries
them as raw bytes (generic channel.unary_stream / unary_unary calls with identity
serializers). The wire format is Avro single-object encoding: C3 01, the writer schema's
CRC-64-AVRO fingerprint (8 bytes, little-endian), then the Avro binary body; the fingerprint is
computed here from python3-avro's canonical form, independently of the server.

Usage: avro_client.py <stubs-dir> <address> <schema-dir>. Prints one JSON object; the jest test
(avro.test.ts) asserts on it.
"""
import io
import json
import os
import sys

sys.path.insert(0, sys.argv[1])
import avro.io  # noqa: E402
import avro.schema  # noqa: E402
import grpc  # noqa: E402
import health_pb2  # noqa: E402
import health_pb2_grpc  # noqa: E402
from inferd.v1 import files_pb2, files_pb2_grpc  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
SERVICE = "/inferd.avro.Pipeline/"

# CRC-64-AVRO, as the Avro specification defines it ("Schema Fingerprints").
EMPTY = 0xC15D213AA4D7A795
TABLE = []
for i in range(256):
    fp = i
    for _ in range(8):
        fp = (fp >> 1) ^ (EMPTY & -(fp & 1))
    TABLE.append(fp & 0xFFFFFFFFFFFFFFFF)


def fingerprint(schema) -> bytes:
    fp = EMPTY
    for byte in schema.canonical_form.encode("utf-8"):
        fp = (fp >> 8) ^ TABLE[(fp ^ byte) & 0xFF]
    return fp.to_bytes(8, "little")


def load_schemas(folder):
    """Parses the .avsc files of a folder, which reference each other by name."""
    names = avro.schema.Names()
    pending = sorted(f for f in os.listdir(folder) if f.endswith(".avsc"))
    schemas = {}
    while pending:
        progressed = False
        for name in list(pending):
            with open(os.path.join(folder, name)) as handle:
                data = json.load(handle)
            try:
                schema = avro.schema.make_avsc_object(data, names)
            except avro.errors.SchemaParseException:
                continue
            schemas[schema.name] = schema
            pending.remove(name)
            progressed = True
        if not progressed:
            raise RuntimeError(f"unresolved schemas: {pending}")
    return schemas


def encode(schema, datum) -> bytes:
    out = io.BytesIO()
    avro.io.DatumWriter(schema).write(datum, avro.io.BinaryEncoder(out))
    return b"\xc3\x01" + fingerprint(schema) + out.getvalue()


def decoder(schema):
    expected = fingerprint(schema)

    def decode(data: bytes):
        if data[:2] != b"\xc3\x01" or data[2:10] != expected:
            raise ValueError(f"unexpected header {data[:10].hex()}, wanted c301{expected.hex()}")
        body = io.BytesIO(data[10:])
        value = avro.io.DatumReader(schema, schema).read(avro.io.BinaryDecoder(body))
        if body.read() != b"":
            raise ValueError("trailing bytes")
        return value

    return decode


def main() -> None:
    address, folder = sys.argv[2], sys.argv[3]
    schemas = load_schemas(folder)
    status_decode = decoder(schemas["JobStatus"])
    result = {}

    # Exact bytes of fixed records (the jest test compares them with the TypeScript codec's).
    result["fixed"] = {
        "JobStatus": encode(schemas["JobStatus"], {
            "jobId": "job-1", "state": "PROCESSING", "progress": 37.5, "message": "é", "imagesTotal": 3,
            "imagesDone": 1, "imagesFailed": 0, "createdAtMillis": 1764547200000, "updatedAtMillis": 1764547201234,
            "resultUris": ["inferd://p/results/job-1/a.json"],
        }).hex(),
        "InitRequest": encode(schemas["InitRequest"], {
            "project": "p", "model": "m", "version": "", "imageUris": ["inferd://p/a.png", "inferd://p/b.png"],
            "parameters": {"confidenceThreshold": 0.25, "iouThreshold": None, "maxResults": 5, "returnMask": True},
            "persistence": True,
        }).hex(),
    }

    channel = grpc.insecure_channel(address)
    for reply in health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service="inferd.avro.Pipeline"), timeout=60):
        if reply.status == health_pb2.HealthCheckResponse.SERVING:
            break
    result["health"] = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)

    with open(os.path.join(FIXTURES, "text.png"), "rb") as handle:
        image = handle.read()

    def upload():
        yield files_pb2.UploadRequest(header=files_pb2.UploadHeader(project="py", path="avro/text.png", offset=0, total_size=len(image)))
        yield files_pb2.UploadRequest(chunk=image)

    uri = files_pb2_grpc.FilesStub(channel).Upload(upload(), timeout=10).uri

    init = channel.unary_stream(SERVICE + "Init", request_serializer=None, response_deserializer=status_decode)
    monitor = channel.unary_stream(SERVICE + "Monitor", request_serializer=None, response_deserializer=status_decode)
    cancel = channel.unary_unary(SERVICE + "Cancel", request_serializer=None, response_deserializer=status_decode)

    def init_request(uris, persistence):
        return encode(schemas["InitRequest"], {
            "project": "py", "model": "pp-ocrv4-det", "version": "", "imageUris": uris,
            "parameters": {"confidenceThreshold": None, "iouThreshold": None, "maxResults": None, "returnMask": False},
            "persistence": persistence,
        })

    streamed = list(init(init_request([uri], True), timeout=60))
    result["init_persistent"] = {
        "states": sorted(set(s["state"] for s in streamed), key=["PENDING", "PROCESSING", "SUCCESS"].index),
        "first": streamed[0]["state"],
        "last": streamed[-1]["state"],
        "progress": streamed[-1]["progress"],
        "results": len(streamed[-1]["resultUris"]),
    }

    # One worker (--job-workers 1): a long job holds it, so the next one stays PENDING until cancelled.
    long_job = list(init(init_request([uri] * 40, False), timeout=10))
    queued = list(init(init_request([uri], False), timeout=10))
    queued_id = queued[0]["jobId"]
    current = list(monitor(encode(schemas["MonitorRequest"], {"jobId": queued_id, "follow": False}), timeout=10))
    cancelled = cancel(encode(schemas["CancelRequest"], {"jobId": queued_id}), timeout=10)
    after = list(monitor(encode(schemas["MonitorRequest"], {"jobId": queued_id, "follow": True}), timeout=10))
    cancel(encode(schemas["CancelRequest"], {"jobId": long_job[0]["jobId"]}), timeout=60)
    result["init_once"] = [s["state"] for s in queued]
    result["monitor_current"] = [s["state"] for s in current]
    result["cancel"] = cancelled["state"]
    result["monitor_after_cancel"] = [s["state"] for s in after]

    def code_of(call):
        try:
            call()
            return "OK"
        except grpc.RpcError as error:
            return error.code().name

    result["monitor_unknown"] = code_of(lambda: list(monitor(encode(schemas["MonitorRequest"], {"jobId": "no-such-job", "follow": False}), timeout=10)))
    result["cancel_unknown"] = code_of(lambda: cancel(encode(schemas["CancelRequest"], {"jobId": "no-such-job"}), timeout=10))
    result["malformed"] = code_of(lambda: list(init(b"\xc3\x01" + b"\x00" * 8 + b"junk", timeout=10)))
    result["truncated"] = code_of(lambda: list(init(init_request([uri], False)[:-3], timeout=10)))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
