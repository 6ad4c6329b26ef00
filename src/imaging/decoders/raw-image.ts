/** Decoded 8-bit interleaved pixels, as sharp's `raw` input describes them. */
export interface RawImage {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
}
