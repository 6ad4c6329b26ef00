import { type FileHandle, open } from 'node:fs/promises';
import type { ImageInput } from '../input.js';

/** How much of a file is read at a time: the walk's memory, whatever the file's size. */
const WINDOW_BYTES = 64 * 1024;
const EMPTY = Buffer.alloc(0);

/** Sequential reads over a file (a window at a time) or a buffer. Positions may run past the end: reads then are empty. */
export class ByteReader {
  position = 0;
  private window: Buffer;
  private windowStart = 0;

  private constructor(
    readonly size: number,
    private readonly file: FileHandle | undefined,
    whole: Buffer,
  ) {
    this.window = whole;
  }

  static async open(input: ImageInput): Promise<ByteReader> {
    if ('buffer' in input) return new ByteReader(input.buffer.length, undefined, input.buffer);
    const file = await open(input.path, 'r');
    try {
      return new ByteReader((await file.stat()).size, file, EMPTY);
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.file?.close();
  }

  get remaining(): number {
    return Math.max(0, this.size - this.position);
  }

  /** Up to `length` bytes at `position` (fewer at the end of the input), without moving. */
  async peekAt(position: number, length: number): Promise<Buffer> {
    const offset = position - this.windowStart;
    if (offset >= 0 && offset + length <= this.window.length) return this.window.subarray(offset, offset + length);
    if (position >= this.size) return EMPTY;
    if (!this.file) return this.window.subarray(offset, offset + length); // the whole buffer, shorter at its end
    await this.load(position, length);
    return this.window.subarray(0, length);
  }

  /** Whatever the window holds from `position` on (a new window when it holds nothing there). */
  async restFrom(position: number): Promise<Buffer> {
    const offset = position - this.windowStart;
    if (offset >= 0 && offset < this.window.length) return this.window.subarray(offset);
    if (!this.file || position >= this.size) return EMPTY;
    await this.load(position, WINDOW_BYTES);
    return this.window;
  }

  private async load(position: number, length: number): Promise<void> {
    const window = Buffer.allocUnsafe(Math.min(this.size - position, Math.max(length, WINDOW_BYTES)));
    const { bytesRead } = await this.file!.read(window, 0, window.length, position);
    this.window = window.subarray(0, bytesRead);
    this.windowStart = position;
  }

  /** Up to `length` bytes from the current position, moving past them. */
  async take(length: number): Promise<Buffer> {
    const bytes = await this.peekAt(this.position, length);
    this.position += length;
    return bytes;
  }

  skip(length: number): void {
    this.position += length;
  }

  /**
   * The position of the next `byte` at or after the current position that `followedBy` accepts the byte after (or
   * that ends the input), or -1 when there is none. Searches a window at a time.
   */
  async find(byte: number, followedBy: (next: number) => boolean): Promise<number> {
    for (let from = this.position; ; ) {
      const chunk = await this.restFrom(from);
      if (chunk.length === 0) return -1;
      let at = chunk.indexOf(byte);
      while (at >= 0 && at + 1 < chunk.length && !followedBy(chunk[at + 1]!)) at = chunk.indexOf(byte, at + 1);
      if (at < 0) {
        from += chunk.length;
        continue;
      }
      if (at + 1 < chunk.length) return from + at;
      // The byte ends the window: read on from it to see the next one.
      const next = (await this.peekAt(from + at, 2))[1];
      if (next === undefined || followedBy(next)) return from + at;
      from += at + 1;
    }
  }
}
