/**
 * Where a job stores an image's outputs inside the project: `results/<job-id>/<image path>.json`
 * and `results/<job-id>/<image path>.mask.png`. The image's whole path (not its base name) is
 * kept, so `a/x.png` and `b/x.png` in one job cannot overwrite each other.
 */
export function resultPaths(jobId: string, imagePath: string): { json: string; mask: string } {
  const base = `results/${jobId}/${imagePath}`;
  return { json: `${base}.json`, mask: `${base}.mask.png` };
}
