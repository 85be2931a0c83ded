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

test("every status code has its own hint, not the fallback", () => {
  const fallback = hintFor(999 as status, "a:1");
  const hints = new Map<string, status[]>();
  for (let code = status.CANCELLED; code <= status.UNAUTHENTICATED; code++) {
    const hint = hintFor(code, "a:1");
    expect([code, hint]).not.toEqual([code, fallback]);
    hints.set(hint, [...(hints.get(hint) ?? []), code]);
  }
  // Only UNKNOWN and INTERNAL share one (both mean "the server failed; see its log").
  const shared = [...hints.values()].filter((codes) => codes.length > 1);
  expect(shared).toEqual([[status.UNKNOWN, status.INTERNAL]]);
});
