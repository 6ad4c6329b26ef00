import type { RenderStep } from '../pipeline.js';
import { inspect } from '../probe.js';

/** Sniff and read the header, then check it against the limits, before any pixel is decoded. */
export const inspectStep: RenderStep = {
  name: 'inspect',
  async run(context) {
    context.source = await context.guard.race('inspect', inspect(context.input, context.limits));
  },
};
