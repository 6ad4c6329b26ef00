// The PNG walk: chunks, compressed metadata counted at its inflated size.
import { kMaxLength } from 'node:buffer';
import { constants, inflateSync } from 'node:zlib';
import type { StructureBudget } from './budget.js';
import type { ByteReader } from './byte-reader.js';

/** Chunks decoders keep in memory as metadata; other ancillary chunks count as entries only (they are skipped). */
const PNG_METADATA_CHUNKS = new Set(['tEXt', 'zTXt', 'iTXt', 'iCCP', 'eXIf']);
/** APNG frame control and data: ancillary by name, but image data; frames are bounded by MAX_FRAMES. */
const APNG_CHUNKS = new Set(['acTL', 'fcTL', 'fdAT']);

export async function walkPng(reader: ByteReader, budget: StructureBudget): Promise<void> {
  reader.skip(8); // signature
  for (;;) {
    const header = await reader.take(8);
    if (header.length < 8) return;
    const length = header.readUInt32BE(0);
    const type = header.toString('latin1', 4, 8);
    if (type === 'IEND') return;
    const ancillary = (header[4]! & 0x20) !== 0;
    if (ancillary && !APNG_CHUNKS.has(type)) budget.entry();
    // The declared length is what a decoder allocates for a metadata chunk, so it counts before the end is checked.
    if (PNG_METADATA_CHUNKS.has(type) && length > budget.metadataLeft) throw budget.metadataTooLarge();
    if (length + 4 > reader.remaining) return;
    if (PNG_METADATA_CHUNKS.has(type)) {
      budget.metadata(type === 'tEXt' || type === 'eXIf' ? length : await inflatedSize(reader, length, type, budget));
    }
    reader.skip(length + 4); // data, CRC
  }
}

/**
 * The size a compressed chunk inflates to (at least its stored size), inflating never more than what is left of the
 * budget. A chunk whose text is not valid zlib counts its stored size: decoders skip such a chunk.
 */
async function inflatedSize(
  reader: ByteReader,
  length: number,
  type: string,
  budget: StructureBudget,
): Promise<number> {
  const data = await reader.peekAt(reader.position, length);
  const compressed = compressedPart(data, type);
  if (!compressed) return data.length;
  try {
    const inflated = inflateSync(compressed, {
      // zlib refuses a bound above the largest Buffer; no chunk could inflate past that anyway.
      maxOutputLength: Math.min(kMaxLength, Math.max(1, budget.metadataLeft)),
      // A truncated stream yields what it has, as a decoder would read it, rather than an error.
      finishFlush: constants.Z_SYNC_FLUSH,
    });
    return Math.max(data.length, inflated.length);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw budget.metadataTooLarge();
    return data.length;
  }
}

/** The zlib stream inside a zTXt/iCCP (`name NUL method data`) or a compressed iTXt; undefined when there is none. */
function compressedPart(data: Buffer, type: string): Buffer | undefined {
  const nameEnd = data.indexOf(0);
  if (nameEnd < 0) return undefined;
  if (type !== 'iTXt') return data.subarray(nameEnd + 2);
  // iTXt: keyword NUL, compression flag, method, language NUL, translated keyword NUL, text.
  if (data[nameEnd + 1] !== 1) return undefined;
  const languageEnd = data.indexOf(0, nameEnd + 3);
  const translatedEnd = languageEnd < 0 ? -1 : data.indexOf(0, languageEnd + 1);
  return translatedEnd < 0 ? undefined : data.subarray(translatedEnd + 1);
}
