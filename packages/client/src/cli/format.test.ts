import { formatBytes, formatDuration, formatTable, toJson } from "./format";

test.each([
  [0, "0 B"],
  [1023, "1023 B"],
  [1024, "1.00 KiB"],
  [1536, "1.50 KiB"],
  [10 * 1024 * 1024 + 300_000, "10.3 MiB"],
  [500 * 1024 ** 3, "500 GiB"],
])("formatBytes(%d) = %s", (bytes, text) => {
  expect(formatBytes(bytes)).toBe(text);
});

test("formatBytes takes bigints beyond 2^53", () => {
  expect(formatBytes(2n ** 60n)).toBe("1024 PiB");
});

test.each([
  [0.5, "0.50 ms"],
  [4.25, "4.3 ms"],
  [850, "850 ms"],
  [1250, "1.25 s"],
  [185_000, "3 m 05 s"],
])("formatDuration(%d) = %s", (ms, text) => {
  expect(formatDuration(ms)).toBe(text);
});

test("tables align columns, right-align numbers and trim trailing space", () => {
  const table = formatTable(
    [{ header: "path" }, { header: "size", align: "right" }, { header: "note" }],
    [
      ["a.png", "1 B", ""],
      ["images/long-name.png", "10.0 MiB", "x"],
    ],
  );
  expect(table.split("\n")).toEqual([
    "PATH                      SIZE  NOTE",
    "a.png                      1 B",
    "images/long-name.png  10.0 MiB  x",
  ]);
});

test("JSON writes bigints as strings", () => {
  expect(JSON.parse(toJson({ size: 2n ** 63n, n: 1 }))).toEqual({ size: "9223372036854775808", n: 1 });
  expect(toJson([1n], 0)).toBe('["1"]');
});
