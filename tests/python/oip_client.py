"""An Open Inference Protocol client in Python, generated from inferd's proto/inference with
Debian's protoc, exercising every RPC inferd implements. Prints one JSON object of findings;
tests/python/oip.test.ts asserts it. Outputs are checked with numpy against numpy's own
computation of the same graphs (identity, add, not, casts)."""
import json
import struct
import sys

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
import health_pb2  # noqa: E402  (grpc.health.v1, generated from fixtures/health.proto)
import health_pb2_grpc  # noqa: E402
import numpy as np  # noqa: E402
from inference import grpc_service_pb2 as pb  # noqa: E402
from inference import grpc_service_pb2_grpc as pb_grpc  # noqa: E402
from inference import model_config_pb2 as config_pb  # noqa: E402

DTYPES = {
    "BOOL": np.bool_, "UINT8": np.uint8, "UINT16": np.uint16, "UINT32": np.uint32, "UINT64": np.uint64,
    "INT8": np.int8, "INT16": np.int16, "INT32": np.int32, "INT64": np.int64,
    "FP16": np.float16, "FP32": np.float32, "FP64": np.float64, "BYTES": np.object_,
}


def to_raw(array, datatype):
    """Row-major little-endian bytes; BYTES elements each prefixed by a 4-byte LE length."""
    if datatype == "BYTES":
        return b"".join(struct.pack("<I", len(e)) + e for e in array.flatten())
    return array.astype(np.dtype(DTYPES[datatype]).newbyteorder("<")).tobytes()


def from_raw(raw, datatype, shape):
    if datatype == "BYTES":
        out, at = [], 0
        while at < len(raw):
            (n,) = struct.unpack_from("<I", raw, at)
            out.append(raw[at + 4:at + 4 + n])
            at += 4 + n
        return np.array(out, dtype=np.object_).reshape(shape)
    return np.frombuffer(raw, dtype=np.dtype(DTYPES[datatype]).newbyteorder("<")).reshape(shape)


def request(model, inputs, outputs=(), version="", req_id=""):
    """inputs: list of (name, datatype, numpy array)."""
    r = pb.ModelInferRequest(model_name=model, model_version=version, id=req_id)
    for name, datatype, array in inputs:
        t = r.inputs.add(name=name, datatype=datatype)
        t.shape.extend(array.shape)
        r.raw_input_contents.append(to_raw(array, datatype))
    for name in outputs:
        r.outputs.add(name=name)
    return r


def outputs_of(response):
    return {o.name: from_raw(raw, o.datatype, tuple(o.shape)) for o, raw in zip(response.outputs, response.raw_output_contents)}


def code_of(fn):
    try:
        fn()
        return "OK"
    except grpc.RpcError as error:
        return error.code().name


def main():
    channel = grpc.insecure_channel(sys.argv[2])
    stub = pb_grpc.GRPCInferenceServiceStub(channel)
    found = {}

    # Watch the OIP service's health until SERVING: it turns SERVING once the models are loaded
    # (an OIP-only client would poll ServerReady instead).
    health = health_pb2_grpc.HealthStub(channel)
    for reply in health.Watch(health_pb2.HealthCheckRequest(service="inference.GRPCInferenceService"), timeout=60):
        if reply.status == health_pb2.HealthCheckResponse.SERVING:
            break

    found["live"] = stub.ServerLive(pb.ServerLiveRequest()).live
    found["ready"] = stub.ServerReady(pb.ServerReadyRequest()).ready
    meta = stub.ServerMetadata(pb.ServerMetadataRequest())
    found["server"] = {"name": meta.name, "extensions": list(meta.extensions)}
    found["model_ready"] = {
        "add": stub.ModelReady(pb.ModelReadyRequest(name="add")).ready,
        "add_v9": stub.ModelReady(pb.ModelReadyRequest(name="add", version="9")).ready,
    }
    mm = stub.ModelMetadata(pb.ModelMetadataRequest(name="add"))
    found["model_metadata"] = {"platform": mm.platform, "versions": list(mm.versions),
                               "inputs": [[t.name, t.datatype, list(t.shape)] for t in mm.inputs]}
    cfg = stub.ModelConfig(pb.ModelConfigRequest(name="multi")).config
    found["model_config"] = {"platform": cfg.platform, "max_batch_size": cfg.max_batch_size,
                             "inputs": [[i.name, config_pb.DataType.Name(i.data_type), list(i.dims)] for i in cfg.input]}

    # Every datatype through the identity model: the exact values come back.
    rng = np.random.default_rng(7)
    samples = {}
    for dt, np_type in DTYPES.items():
        if dt == "BYTES":
            samples[dt] = np.array([b"", b"hi", "\u20ac".encode(), b"four"], dtype=np.object_).reshape(2, 2)
        elif dt == "BOOL":
            samples[dt] = rng.integers(0, 2, (2, 2)).astype(np.bool_)
        elif dt.startswith("FP"):
            samples[dt] = rng.standard_normal((2, 2)).astype(np_type)
        else:
            info = np.iinfo(np_type)
            samples[dt] = np.array([[info.min, info.max], [0, 1]], dtype=np_type)
    r = stub.ModelInfer(request("identity", [(f"in_{dt}", dt, a) for dt, a in samples.items()]))
    got = outputs_of(r)
    found["identity"] = {dt: bool(np.array_equal(got[f"out_{dt}"], a)) and r.outputs[i].datatype == dt
                         for i, (dt, a) in enumerate(samples.items())}

    # add: a dynamic batch dimension, id echoed.
    a = rng.standard_normal((5, 3)).astype(np.float32)
    b = rng.standard_normal((5, 3)).astype(np.float32)
    r = stub.ModelInfer(request("add", [("a", "FP32", a), ("b", "FP32", b)], version="1", req_id="py-1"))
    found["add"] = {"id": r.id, "version": r.model_version, "shape": list(r.outputs[0].shape),
                    "equal": bool(np.array_equal(outputs_of(r)["sum"], a + b))}
    # typed contents instead of raw
    typed = pb.ModelInferRequest(model_name="add64")
    for name, values in (("a", [2 ** 60, -5, 0]), ("b", [1, -5, 7])):
        t = typed.inputs.add(name=name, datatype="INT64", shape=[1, 3])
        t.contents.int64_contents.extend(values)
    found["add64_typed"] = outputs_of(stub.ModelInfer(typed))["sum"].flatten().tolist() == [2 ** 60 + 1, -10, 7]

    # Several inputs and outputs of different types, only the requested outputs.
    x = np.array([[1, 2], [3, 4]], dtype=np.float32)
    k = np.array([3, -4], dtype=np.int64)
    flag = np.array([True, False])
    half = np.array([1, -2.5], dtype=np.float16)
    r = stub.ModelInfer(request("multi", [("x", "FP32", x), ("k", "INT64", k), ("flag", "BOOL", flag), ("half", "FP16", half)],
                                outputs=["x_as_half", "not_flag", "half_as_float"]))
    got = outputs_of(r)
    found["multi"] = {
        "names": [o.name for o in r.outputs],
        "x_as_half": bool(np.array_equal(got["x_as_half"], x.astype(np.float16))),
        "not_flag": bool(np.array_equal(got["not_flag"], ~flag)),
        "half_as_float": bool(np.array_equal(got["half_as_float"], half.astype(np.float32))),
    }

    # Bad input, each with its status code; the server stays alive.
    ok_a = np.zeros((1, 3), np.float32)

    def bad(**changes):
        r = request("add", [("a", "FP32", ok_a), ("b", "FP32", ok_a)])
        for key, value in changes.items():
            if key == "datatype":
                r.inputs[0].datatype = value
            elif key == "shape":
                del r.inputs[0].shape[:]
                r.inputs[0].shape.extend(value)
            elif key == "raw":
                r.raw_input_contents[0] = value
            elif key == "output":
                r.outputs.add(name=value)
            elif key == "model":
                r.model_name = value
            elif key == "version":
                r.model_version = value
            elif key == "extra":
                r.inputs.add(name="c", datatype="FP32", shape=[1, 3])
                r.raw_input_contents.append(to_raw(ok_a, "FP32"))
        return lambda: stub.ModelInfer(r)

    found["bad"] = {
        "wrong_dtype": code_of(bad(datatype="FP64")),
        "wrong_shape": code_of(bad(shape=[1, 4])),
        "raw_length": code_of(bad(raw=b"\0" * 8)),
        "unknown_output": code_of(bad(output="product")),
        "too_many_inputs": code_of(bad(extra=True)),
        "unknown_model": code_of(bad(model="nope")),
        "unknown_version": code_of(bad(version="7")),
        "load": code_of(lambda: stub.RepositoryModelLoad(pb.RepositoryModelLoadRequest(model_name="add"))),
    }
    found["alive_after_bad"] = stub.ServerLive(pb.ServerLiveRequest()).live

    # Streaming: a bad request in the middle is answered in-band and the stream goes on.
    good = request("add", [("a", "FP32", a), ("b", "FP32", b)], version="1", req_id="s1")
    broken = request("add", [("a", "FP32", a), ("b", "FP32", b)], version="1", req_id="s2")
    broken.raw_input_contents[1] = b"\0" * 4
    last = request("add", [("a", "FP32", b), ("b", "FP32", b)], version="1", req_id="s3")
    answers = list(stub.ModelStreamInfer(iter([good, broken, last])))
    found["stream"] = [[s.infer_response.id, bool(s.error_message)] for s in answers]
    found["stream_last_equal"] = bool(np.array_equal(outputs_of(answers[2].infer_response)["sum"], b + b))

    stats = stub.ModelStatistics(pb.ModelStatisticsRequest(name="add", version="1")).model_stats[0]
    found["stats"] = {"name": stats.name, "version": stats.version,
                      "success": stats.inference_stats.success.count, "fail": stats.inference_stats.fail.count,
                      "infer_ns_positive": stats.inference_stats.compute_infer.ns > 0}
    index = stub.RepositoryIndex(pb.RepositoryIndexRequest())
    found["index"] = sorted(f"{m.name}/{m.version}:{m.state}" for m in index.models)
    print(json.dumps(found))


main()
