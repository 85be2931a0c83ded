import { status } from "@grpc/grpc-js";
import { hintFor } from "./hints";

test("UNAVAILABLE with nothing answering asks whether the server runs at the address", () => {
  expect(hintFor(status.UNAVAILABLE, "127.0.0.1:1", true)).toContain("is the server running at 127.0.0.1:1?");
});

test("UNAVAILABLE sent by a running server points at model states instead", () => {
  const hint = hintFor(status.UNAVAILABLE, "127.0.0.1:1", false);
  expect(hint).not.toContain("is the server running");
  expect(hint).toContain("inferctl models");
});

test("every status code has a hint", () => {
  for (let code = status.CANCELLED; code <= status.UNAUTHENTICATED; code++) {
    expect(hintFor(code, "a:1").length).toBeGreaterThan(10);
  }
});
