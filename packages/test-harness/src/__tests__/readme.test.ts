import { readFileSync } from "node:fs";
import { join } from "node:path";

const PACKAGE = join(__dirname, "..", "..");

/** The fenced code block that follows `<!-- file: PATH -->` in the README. */
function blockAfter(readme: string, path: string): string | undefined {
  const marker = `<!-- file: ${path} -->`;
  const start = readme.indexOf(marker);
  if (start < 0) return undefined;
  const match = /```[a-z]*\n([\s\S]*?)```/.exec(readme.slice(start + marker.length));
  return match?.[1];
}

describe("README.md", () => {
  const readme = readFileSync(join(PACKAGE, "README.md"), "utf8");

  // The README's example is this package's own test file, which CI runs: if they drift, this fails.
  test.each(["src/__tests__/readme-example.test.ts", "src/__tests__/fixtures/jest.config.example.cjs"])(
    "shows %s exactly as it is in the repository",
    (path) => {
      expect(blockAfter(readme, path)).toBe(readFileSync(join(PACKAGE, path), "utf8"));
    },
  );
});
