import { Metadata } from "@grpc/grpc-js";
import { createAuthorizer } from "./authorizer";
import { createTokenTable } from "./token-table";
import type { InferdError } from "../errors";

const table = createTokenTable([
  { token: "alpha-token-0123456789", projects: ["alpha"], name: "alpha" },
  { token: "all-token-0123456789", projects: ["*"], name: "all" },
]);
const withAuth = (value: string): Metadata => {
  const metadata = new Metadata();
  metadata.set("authorization", value);
  return metadata;
};
const kindOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as InferdError).kind;
  }
};

test("tokens match exactly, with their grants", () => {
  expect(table.match("alpha-token-0123456789")?.name).toBe("alpha");
  expect(table.match("alpha-token-012345678")).toBeUndefined();
  expect(table.match("")).toBeUndefined();
  expect(table.match("all-token-0123456789")?.mayUse("anything")).toBe(true);
  expect(table.match("alpha-token-0123456789")?.mayUse("beta")).toBe(false);
});

test("authorizeProject: unauthenticated without a valid bearer token, permission-denied for another project", () => {
  const auth = createAuthorizer(table);
  expect(kindOf(() => auth.authorizeProject(new Metadata(), "alpha"))).toBe("unauthenticated");
  expect(kindOf(() => auth.authorizeProject(withAuth("alpha-token-0123456789"), "alpha"))).toBe("unauthenticated");
  expect(kindOf(() => auth.authorizeProject(withAuth("Basic alpha-token-0123456789"), "alpha"))).toBe("unauthenticated");
  expect(kindOf(() => auth.authorizeProject(withAuth("Bearer alpha-token-0123456789"), "beta"))).toBe("permission-denied");
  expect(kindOf(() => auth.authorizeProject(withAuth("bearer alpha-token-0123456789"), "alpha"))).toBeUndefined();
});

test("with no tokens, auth is off and every project is allowed", () => {
  const auth = createAuthorizer(createTokenTable([]));
  expect(auth.enabled).toBe(false);
  expect(kindOf(() => auth.authorizeProject(new Metadata(), "any"))).toBeUndefined();
});
