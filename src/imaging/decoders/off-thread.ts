import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { ThumbsmithError } from '../../domain/errors.js';
import type { RawImage } from './raw-image.js';

/** The decoders written in JS or wasm: synchronous, CPU-bound, and not interruptible on the main thread. */
export type OffThreadDecoder = 'heic' | 'bmp';

/** Which alpha to return: always, never, or only when some pixel's alpha byte is not 0 (legacy 32-bit BMPs). */
export type AlphaPolicy = 'keep' | 'drop' | 'nonzero';

const resolveModule = createRequire(import.meta.url).resolve;
const MODULES: Record<OffThreadDecoder, string> = { heic: 'heic-decode', bmp: 'bmp-ts' };

/**
 * The worker, as CommonJS evaluated by `new Worker(…, { eval: true })`: both decoders are plain JS packages, so the
 * worker needs no TypeScript loader in development and no extra file in the build. It decodes, reorders to
 * interleaved RGB(A) (heic-decode gives RGBA, bmp-ts gives ABGR) and transfers the pixels back without a copy.
 */
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { kind, modulePath, bytes, alpha, size } = workerData;

async function decode() {
  if (kind === 'heic') {
    const image = await require(modulePath)({ buffer: bytes });
    return { width: image.width, height: image.height, order: [0, 1, 2, 3], data: image.data };
  }
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const image = require(modulePath).decode(buffer);
  return { width: image.width, height: image.height, order: [3, 2, 1, 0], data: image.data };
}

function repack(image) {
  // The size the caller read from the header, when it gives one: the render plan was made from it.
  const width = size ? size.width : image.width;
  const height = size ? size.height : image.height;
  const { order, data } = image;
  const pixels = width * height;
  if (!(pixels > 0) || data.length < pixels * 4) throw new Error('the decoder returned too few pixels');
  const [r, g, b, a] = order;
  let keep = alpha === 'keep';
  if (alpha === 'nonzero') {
    for (let i = 0; i < pixels; i++) if (data[i * 4 + a] !== 0) { keep = true; break; }
  }
  const channels = keep ? 4 : 3;
  const out = new Uint8Array(pixels * channels);
  for (let i = 0, s = 0, o = 0; i < pixels; i++, s += 4, o += channels) {
    out[o] = data[s + r];
    out[o + 1] = data[s + g];
    out[o + 2] = data[s + b];
    if (keep) out[o + 3] = data[s + a];
  }
  return { width, height, channels, data: out };
}

decode().then(repack).then(
  (raw) => parentPort.postMessage(raw, [raw.data.buffer]),
  (error) => parentPort.postMessage({ error: String((error && error.message) || error) }),
);
`;

interface WorkerReply {
  readonly width?: number;
  readonly height?: number;
  readonly channels?: 3 | 4;
  readonly data?: Uint8Array;
  readonly error?: string;
}

/**
 * Runs a JS/wasm decoder in a worker thread, so that a large BMP or HEIC (seconds of CPU) neither blocks the event
 * loop (HTTP, health checks, lease renewal) nor outlives its job: when `signal` aborts (deadline, cancelled job) the
 * worker is terminated, which stops the decoder mid-image. One short-lived worker per decode: its memory (the wasm
 * heap of libheif) is returned as soon as the image is decoded.
 *
 * Rejects with `TS_IMAGE_CORRUPT` (`failure` as detail) when the decoder throws, `TS_RENDER_TIMEOUT` on abort.
 */
export function decodeOffThread(
  kind: OffThreadDecoder,
  bytes: Uint8Array,
  options: {
    alpha: AlphaPolicy;
    failure: string;
    /** The size the header declares, when the decoder's own report is not to be trusted. */
    size?: { width: number; height: number };
    signal?: AbortSignal | undefined;
  },
): Promise<RawImage> {
  const { signal, failure } = options;
  return new Promise<RawImage>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new ThumbsmithError('TS_RENDER_TIMEOUT', 'Rendering ran out of time before decoding'));
      return;
    }
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        kind,
        modulePath: resolveModule(MODULES[kind]),
        bytes,
        alpha: options.alpha,
        size: options.size,
      },
      // Plain CommonJS: no loader hooks (tsx in development) to start in the worker.
      execArgv: [],
      // libheif prints its errors with console.log: keep them out of the process's JSON log stream.
      stdout: true,
      stderr: true,
    });
    worker.stdout.resume();
    worker.stderr.resume();
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      outcome();
    };
    const onAbort = () =>
      finish(() => reject(new ThumbsmithError('TS_RENDER_TIMEOUT', 'Rendering ran out of time during decode')));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (reply: WorkerReply) =>
      finish(() => {
        const { width, height, channels, data, error } = reply;
        if (error !== undefined || !data || !width || !height || !channels) {
          reject(new ThumbsmithError('TS_IMAGE_CORRUPT', failure, { cause: new Error(error ?? 'no pixels') }));
          return;
        }
        resolve({ data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), width, height, channels });
      }),
    );
    worker.once('error', (error) =>
      finish(() => reject(new ThumbsmithError('TS_IMAGE_CORRUPT', failure, { cause: error }))),
    );
    worker.once('exit', (code) =>
      finish(() =>
        reject(new ThumbsmithError('TS_IMAGE_CORRUPT', failure, { cause: new Error(`decoder exited with ${code}`) })),
      ),
    );
  });
}
