/** Default time an Upload call may send nothing before the server closes it (bytes kept). */
export const DEFAULT_UPLOAD_IDLE_TIMEOUT_MS = 60_000;

/** Limits of the Files service and its store; each has a flag and a documented default. */
export interface FilesOptions {
  /**
   * Close an Upload call whose client sent no message for this long (DEADLINE_EXCEEDED; the
   * bytes stored so far are kept for a resume). 0 = never. Default 60 s.
   */
  readonly uploadIdleTimeoutMs?: number;
  /** Most uploads one project may have open at once (RESOURCE_EXHAUSTED over it); 0 = no cap. Default 64. */
  readonly maxOpenUploadsPerProject?: number;
}
