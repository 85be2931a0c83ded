import { rejectFile } from "./image-file";

test("PNG, JPEG and WebP pass; other types and empty files are refused", () => {
  for (const type of ["image/png", "image/jpeg", "image/webp"]) expect(rejectFile({ name: "a", type, size: 10 })).toBeUndefined();
  expect(rejectFile({ name: "notes.txt", type: "text/plain", size: 10 })).toContain("notes.txt");
  expect(rejectFile({ name: "x", type: "", size: 10 })).toBeDefined();
  expect(rejectFile({ name: "a.gif", type: "image/gif", size: 10 })).toBeDefined();
  expect(rejectFile({ name: "a.png", type: "image/png", size: 0 })).toBeDefined();
});
