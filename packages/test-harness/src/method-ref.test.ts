import { DiagnosticsService, FilesService } from "@inferd/grpc-types/v1";
import { createMethodResolver, splitPath } from "./method-ref";

describe("createMethodResolver", () => {
  const resolve = createMethodResolver([DiagnosticsService, FilesService]);

  test("accepts a method definition, a full path, Service/Method and a unique method name", () => {
    const path = "/inferd.v1.Diagnostics/Ping";
    expect(resolve(DiagnosticsService.ping)).toBe(path);
    expect(resolve(path)).toBe(path);
    expect(resolve("Diagnostics/Ping")).toBe(path);
    expect(resolve("inferd.v1.Diagnostics/Ping")).toBe(path);
    expect(resolve("Ping")).toBe(path);
  });

  test("names the known methods when a name matches none", () => {
    expect(() => resolve("Pong")).toThrow(/no method "Pong".*\/inferd\.v1\.Diagnostics\/Ping/);
    expect(() => resolve("/inferd.v1.Diagnostics/Pong")).toThrow(/no method/);
  });

  test("refuses a name two services share", () => {
    const other = { ping: { ...DiagnosticsService.ping, path: "/other.v1.Diagnostics/Ping" } };
    const resolveBoth = createMethodResolver([DiagnosticsService, other]);
    expect(() => resolveBoth("Ping")).toThrow(/ambiguous/);
    expect(resolveBoth("other.v1.Diagnostics/Ping")).toBe("/other.v1.Diagnostics/Ping");
    expect(createMethodResolver([DiagnosticsService, DiagnosticsService])("Ping")).toBe("/inferd.v1.Diagnostics/Ping");
  });
});

test("splitPath splits a full method path", () => {
  expect(splitPath("/inferd.v1.Files/Upload")).toEqual({ service: "inferd.v1.Files", method: "Upload" });
});
