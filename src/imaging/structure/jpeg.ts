// The JPEG walk: marker segments (APPn/COM counted as metadata) and scans.
import type { StructureBudget } from './budget.js';
import type { ByteReader } from './byte-reader.js';

const SOS = 0xda;
const EOI = 0xd9;

/** After `FF`: a stuffed `00` and the restart markers `D0`..`D7` belong to the entropy-coded data. */
const isMarkerCode = (next: number) => next !== 0x00 && (next & 0xf8) !== 0xd0;

/**
 * Walks marker segments and the entropy-coded data between them. In scan data, `FF 00` is a stuffed byte and
 * `FF D0`..`FF D7` a restart marker; any other `FF xx` is the next marker. Bytes that are not a marker where one is
 * due are skipped, as libjpeg does.
 */
export async function walkJpeg(reader: ByteReader, budget: StructureBudget): Promise<void> {
  reader.skip(2); // SOI
  for (;;) {
    const at = await reader.find(0xff, isMarkerCode);
    if (at < 0) return;
    reader.position = at;
    const code = (await reader.take(2))[1];
    if (code === undefined || code === EOI) return;
    if (code === 0xff) {
      reader.position = at + 1; // a fill byte; the marker follows
      continue;
    }
    if (code === 0x01 || code === 0xd8) continue; // TEM, SOI: no length field
    const header = await reader.take(2);
    if (header.length < 2) return;
    const length = header.readUInt16BE(0) - 2;
    if (length < 0 || length > reader.remaining) return;
    if (code === SOS) budget.scan();
    else if ((code >= 0xe0 && code <= 0xef) || code === 0xfe) {
      budget.entry();
      budget.metadata(length);
    }
    reader.skip(length);
  }
}
