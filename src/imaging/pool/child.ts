/**
 * The entry of an imaging child process: probes and renders one request at a time for the pool that forked it
 * (`imaging-pool.ts`), in this process, so a decoder that runs away in memory or CPU takes only this process down.
 */
import { configureImaging } from '../configure.js';
import { inProcessImager } from '../imager.js';
import type { RenderObserver } from '../pipeline.js';
import { type ChildMessage, type ChildSettings, type PoolRequest, toWireError } from './protocol.js';

/** Sends to the parent while it is there (after it is gone, this process is on its way out). */
const send = (message: ChildMessage) => {
  if (process.connected) process.send?.(message);
};

// A child outlives nothing: when the parent goes (crash, SIGKILL), the IPC channel closes and so does this process.
process.on('disconnect', () => process.exit(0));
if (!process.connected) process.exit(0);

const settings = JSON.parse(process.argv[2] ?? '{}') as Partial<ChildSettings>;
configureImaging({ concurrency: settings.concurrency ?? 1, cacheMemoryMb: settings.cacheMemoryMb ?? 0 });

/** Carries the render steps to the parent as they start and end, for its stage timing. */
function stepReporter(id: number): RenderObserver {
  let tokens = 0;
  return (event) => {
    const token = ++tokens;
    send({ type: 'step-start', id, token, step: event.step, ...(event.preset ? { preset: event.preset } : {}) });
    return (error) => send({ type: 'step-end', id, token, ...(error !== undefined && { error: toWireError(error) }) });
  };
}

async function handle(request: PoolRequest): Promise<ChildMessage> {
  const { id } = request;
  try {
    if (request.kind === 'probe') {
      return { type: 'probed', id, result: await inProcessImager.probe(request.input, request.limits) };
    }
    const rendered = await inProcessImager.render(request.input, request.presets, request.limits, {
      observe: stepReporter(id),
    });
    const variants = rendered.map((variant) => ({
      presetIndex: request.presets.findIndex((preset) => preset.name === variant.preset.name),
      data: variant.data,
      width: variant.width,
      height: variant.height,
      format: variant.format,
      contentType: variant.contentType,
    }));
    return { type: 'rendered', id, variants };
  } catch (error) {
    return { type: 'failed', id, error: toWireError(error) };
  }
}

process.on('message', (request: PoolRequest) => {
  void handle(request).then(send);
});
send({ type: 'ready' });
