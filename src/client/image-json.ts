// The API's image JSON (`ImageView` in src/http/schemas.ts) as its clients read it: the CLI and the web page share
// these types, so this module imports nothing (the page's bundle takes it as it is).

export type ImageStatus = 'queued' | 'processing' | 'done' | 'failed';

export interface VariantJson {
  preset: string;
  presetVersion: string;
  url: string;
  /** The content-addressed URL of the same bytes (cached forever). */
  immutableUrl: string;
  width: number;
  height: number;
  format: string;
  contentType: string;
  bytes: number;
}

export interface ImageJson {
  id: string;
  status: ImageStatus;
  /** `null` while an upload by URL waits for its fetch. */
  original: {
    format: string;
    width: number;
    height: number;
    frames: number;
    bytes: number;
    sha256: string;
    filename: string | null;
  } | null;
  /** The URL of an upload by URL; `null` for a file upload. */
  sourceUrl: string | null;
  variants: VariantJson[];
  error: { code: string; message: string } | null;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  links: { self: string; thumbnails: Record<string, string> };
}

/** One page of `GET /v1/images`. */
export interface ImagePage {
  items: ImageJson[];
  nextCursor: string | null;
}
