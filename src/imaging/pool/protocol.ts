import { type ErrorCode, ThumbsmithError, toThumbsmithError } from '../../domain/errors.js';
import type { OutputFormat, Preset } from '../../domain/preset.js';
import type { ImageInput } from '../input.js';
import type { ImagingLimits } from '../limits.js';
import type { ProbeResult } from '../probe.js';

/** The messages between the pool and a child (Node IPC with `serialization: 'advanced'`, so Buffers travel). */

/** libvips settings applied in each child at start-up (the parent never decodes). */
export interface ChildSettings {
  concurrency: number;
  cacheMemoryMb: number;
}

export type PoolRequest =
  | { id: number; kind: 'probe'; input: ImageInput; limits: ImagingLimits }
  | { id: number; kind: 'render'; input: ImageInput; presets: readonly Preset[]; limits: ImagingLimits };

/** A catalogue error as plain data. */
export interface WireError {
  code: ErrorCode;
  detail: string;
  extensions: Record<string, unknown>;
}

/** A rendered variant; its preset is named by its index in the request (the parent keeps the objects). */
export interface WireVariant {
  presetIndex: number;
  data: Uint8Array;
  width: number;
  height: number;
  format: OutputFormat;
  contentType: string;
}

export type ChildMessage =
  | { type: 'ready' }
  /** A render step started (`token` names it until its end). */
  | { type: 'step-start'; id: number; token: number; step: string; preset?: string }
  | { type: 'step-end'; id: number; token: number; error?: WireError }
  | { type: 'probed'; id: number; result: ProbeResult }
  | { type: 'rendered'; id: number; variants: WireVariant[] }
  | { type: 'failed'; id: number; error: WireError };

export function toWireError(error: unknown): WireError {
  const known = toThumbsmithError(error);
  return { code: known.code, detail: known.detail, extensions: { ...known.extensions } };
}

export function fromWireError(error: WireError): ThumbsmithError {
  return new ThumbsmithError(error.code, error.detail, { extensions: error.extensions });
}
