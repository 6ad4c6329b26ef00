// The WebP walk: RIFF chunks, animation frames and metadata chunks.
import type { StructureBudget } from './budget.js';
import type { ByteReader } from './byte-reader.js';

/** Image data and its structure; every other chunk is a metadata entry (ICCP, EXIF, XMP, unknown). */
const WEBP_IMAGE_CHUNKS = new Set(['VP8 ', 'VP8L', 'VP8X', 'ALPH', 'ANIM']);
/** Chunks libwebp's demuxer and libvips keep in memory. */
const WEBP_METADATA_CHUNKS = new Set(['ICCP', 'EXIF', 'XMP ']);

export async function walkWebp(reader: ByteReader, budget: StructureBudget): Promise<void> {
  const riff = await reader.take(12);
  if (riff.length < 12) return;
  const end = Math.min(reader.size, 8 + riff.readUInt32LE(4));
  while (reader.position + 8 <= end) {
    const header = await reader.take(8);
    const type = header.toString('latin1', 0, 4);
    const size = header.readUInt32LE(4);
    if (type === 'ANMF') budget.frame();
    else if (!WEBP_IMAGE_CHUNKS.has(type)) budget.entry();
    // Declared sizes count, as in a PNG; a chunk past the end stops the loop below.
    if (WEBP_METADATA_CHUNKS.has(type)) budget.metadata(size);
    reader.skip(size + (size & 1)); // chunks are padded to an even size
  }
}
