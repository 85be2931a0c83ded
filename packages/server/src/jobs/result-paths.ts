import { createHash } from "node:crypto";
import { MAX_PATH_BYTES, MAX_SEGMENT_BYTES } from "../files/validate";

/** Where a job stores one image's outputs, relative to the project. */
export interface ResultPaths {
  readonly json: string;
  readonly mask: string;
}

const JSON_SUFFIX = ".json";
const MASK_SUFFIX = ".mask.png";
/** The longer suffix decides whether a name fits. */
const LONGEST_SUFFIX_BYTES = Buffer.byteLength(MASK_SUFFIX);

const bytes = (text: string): number => Buffer.byteLength(text, "utf8");

/** The longest prefix of `text` of at most `max` UTF-8 bytes, cut between characters. */
function truncateUtf8(text: string, max: number): string {
  let out = "";
  let used = 0;
  for (const char of text) {
    const size = bytes(char);
    if (used + size > max) break;
    out += char;
    used += size;
  }
  return out;
}

const shortHash = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex").slice(0, 12);

function split(path: string): { dir: string; base: string } {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? { dir: "", base: path } : { dir: path.slice(0, slash + 1), base: path.slice(slash + 1) };
}

/**
 * Where each image of a job stores its outputs inside the project. Normally
 * `results/<job-id>/<image path>.json` and `.mask.png` beside it: the image's whole path is
 * kept, so `a/x.png` and `b/x.png` cannot overwrite each other. Two cases differ:
 * - the same image listed again in the job: its result name gets `~<index>` (its 0-based
 *   index in image_uris), e.g. `x.png~3.json`, so both results are kept;
 * - a name that would exceed 255 bytes (a file-system name limit) is shortened: the image's
 *   base name is cut at a character boundary and `~<12 hex digits of sha256(image path)>` is
 *   added, e.g. `aaaa…aaa~1f2e3d4c5b6a.png.json`; a path over the 1,024-byte limit keeps only
 *   its shortened base name, directly under `results/<job-id>/`.
 * Names are derived from the job's image list alone (so a resumed job writes the same paths),
 * and any name already given in the job takes a further `~<index>`, so no two images of a
 * job ever share a result file. Each result JSON names its image (`image_uri`).
 */
export function jobResultPaths(jobId: string, imagePaths: readonly string[]): ResultPaths[] {
  const root = `results/${jobId}/`;
  const taken = new Set<string>();
  const seenImages = new Set<string>();
  return imagePaths.map((path, index) => {
    let { dir, base } = split(path);
    let stem = base;
    if (seenImages.has(path)) stem += `~${index}`;
    seenImages.add(path);
    const fits = (candidateDir: string, candidate: string): boolean =>
      bytes(candidate) + LONGEST_SUFFIX_BYTES <= MAX_SEGMENT_BYTES && bytes(root + candidateDir + candidate) + LONGEST_SUFFIX_BYTES <= MAX_PATH_BYTES;
    if (!fits(dir, stem)) {
      const tail = `~${shortHash(path)}${stem === base ? "" : `~${index}`}`;
      if (bytes(root + dir) + 64 + LONGEST_SUFFIX_BYTES > MAX_PATH_BYTES) dir = ""; // no room for the folders
      const room = Math.min(MAX_SEGMENT_BYTES, MAX_PATH_BYTES - bytes(root + dir)) - LONGEST_SUFFIX_BYTES - bytes(tail);
      // Keep the extension readable when there is room for it.
      const dot = base.lastIndexOf(".");
      const ext = dot > 0 && bytes(base.slice(dot)) <= 16 ? base.slice(dot) : "";
      base = base.slice(0, base.length - ext.length);
      stem = `${truncateUtf8(base, room - bytes(ext))}${tail}${ext}`;
    }
    while (taken.has(root + dir + stem)) stem += `~${index}`;
    taken.add(root + dir + stem);
    return { json: `${root}${dir}${stem}${JSON_SUFFIX}`, mask: `${root}${dir}${stem}${MASK_SUFFIX}` };
  });
}
