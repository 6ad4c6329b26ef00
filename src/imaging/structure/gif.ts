// The GIF walk: extension blocks (metadata) and image descriptors (frames).
import type { StructureBudget } from './budget.js';
import type { ByteReader } from './byte-reader.js';

const GIF_EXTENSION = 0x21;
const GIF_IMAGE = 0x2c;
const GIF_GRAPHIC_CONTROL = 0xf9;

/** Blocks after the header: extensions (counted as metadata, except the per-frame graphic control) and frames. */
export async function walkGif(reader: ByteReader, budget: StructureBudget): Promise<void> {
  const screen = await reader.take(13);
  if (screen.length < 13) return;
  reader.skip(colourTableBytes(screen[10]!));
  for (;;) {
    const block = (await reader.take(1))[0];
    if (block === GIF_EXTENSION) {
      const label = (await reader.take(1))[0];
      const bytes = await skipSubBlocks(reader);
      if (label !== GIF_GRAPHIC_CONTROL) {
        budget.entry();
        budget.metadata(bytes);
      }
    } else if (block === GIF_IMAGE) {
      const descriptor = await reader.take(9);
      if (descriptor.length < 9) return;
      budget.frame();
      reader.skip(colourTableBytes(descriptor[8]!) + 1); // local colour table, LZW minimum code size
      await skipSubBlocks(reader);
    } else {
      return; // the trailer, the end of the file, or damage the decoder will judge
    }
  }
}

/** A global or local colour table's size from its packed flags byte. */
function colourTableBytes(flags: number): number {
  return flags & 0x80 ? 3 << ((flags & 0x07) + 1) : 0;
}

/** Skips a sequence of length-prefixed sub-blocks up to its empty terminator; returns their payload bytes. */
async function skipSubBlocks(reader: ByteReader): Promise<number> {
  let bytes = 0;
  for (;;) {
    // Hops from length byte to length byte inside the window; image data is 255-byte sub-blocks, so this is hot.
    const window = await reader.restFrom(reader.position);
    if (window.length === 0) return bytes; // the end of the file
    let at = 0;
    while (at < window.length) {
      const length = window[at]!;
      if (length === 0) {
        reader.skip(at + 1);
        return bytes;
      }
      bytes += length;
      at += 1 + length;
    }
    reader.skip(at);
  }
}
