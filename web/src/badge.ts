import { h } from './dom.js';
import { STATUS_LABELS } from './format.js';
import type { ImageStatus } from './types.js';

export type BadgeState = ImageStatus | 'waiting' | 'uploading' | 'rejected' | 'error' | 'duplicate';

const LABELS: Record<BadgeState, string> = {
  ...STATUS_LABELS,
  waiting: 'Waiting',
  uploading: 'Uploading',
  rejected: 'Rejected',
  error: 'Not sent',
  duplicate: 'Already uploaded',
};

/** A status pill; the colour is never the only signal (the word is always there). */
export function badge(state: BadgeState): HTMLSpanElement {
  return h('span', { class: 'badge', 'data-state': state }, LABELS[state]);
}
