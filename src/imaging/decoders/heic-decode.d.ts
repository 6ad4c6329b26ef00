/** Types for `heic-decode` 2.x (it ships none). */
declare module 'heic-decode' {
  interface DecodedImage {
    width: number;
    height: number;
    /** RGBA, 8 bits per channel. */
    data: Uint8ClampedArray;
  }
  function decode(input: { buffer: Buffer | Uint8Array }): Promise<DecodedImage>;
  export default decode;
}
