// The TIFF walk: the chain of IFDs (pages).
import type { StructureBudget } from './budget.js';
import type { ByteReader } from './byte-reader.js';

/**
 * Follows the chain of IFDs (pages) from the header, counting each against MAX_FRAMES: a file of a few hundred
 * thousand tiny pages costs libtiff seconds to count. Only the IFD counts and next-IFD offsets are read, and at most
 * MAX_FRAMES + 1 IFDs are visited. An IFD seen before (a loop) or past the end stops the walk: libtiff detects loops.
 */
export async function walkTiff(reader: ByteReader, budget: StructureBudget): Promise<void> {
  const header = await reader.take(16);
  if (header.length < 8) return;
  const little = header[0] === 0x49;
  const big = (little ? header.readUInt16LE(2) : header.readUInt16BE(2)) === 43; // BigTIFF: 64-bit offsets
  const offsetBytes = big ? 8 : 4;
  const readOffset = (bytes: Buffer): number => {
    if (!big) return little ? bytes.readUInt32LE(0) : bytes.readUInt32BE(0);
    return Number(little ? bytes.readBigUInt64LE(0) : bytes.readBigUInt64BE(0));
  };
  const seen = new Set<number>();
  let offset = readOffset(header.subarray(big ? 8 : 4));
  while (offset !== 0 && !seen.has(offset)) {
    seen.add(offset);
    budget.frame();
    const count = await reader.peekAt(offset, big ? 8 : 2);
    if (count.length < (big ? 8 : 2)) return;
    const entries = big ? readOffset(count) : little ? count.readUInt16LE(0) : count.readUInt16BE(0);
    const next = await reader.peekAt(offset + (big ? 8 + entries * 20 : 2 + entries * 12), offsetBytes);
    if (next.length < offsetBytes) return;
    offset = readOffset(next);
  }
}
