import type { ImageStatus } from '../../src/client/image-json.js';

export type { ImageJson, ImagePage, ImageStatus, VariantJson } from '../../src/client/image-json.js';

export const isFinal = (status: ImageStatus): boolean => status === 'done' || status === 'failed';
