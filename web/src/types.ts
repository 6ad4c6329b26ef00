import type { ImageStatus } from '../../src/sdk/index.js';

// The API's image JSON as the generated client types it (src/sdk, from docs/openapi.json), under the page's names.
export type { Image as ImageJson, ImagePage, ImageStatus, Variant as VariantJson } from '../../src/sdk/index.js';

export const isFinal = (status: ImageStatus): boolean => status === 'done' || status === 'failed';
