import { lastPathSegment } from '../../src/domain/url-name.js';
import type { ImageJson, ImageStatus } from './types.js';

const UNITS = ['bytes', 'KB', 'MB', 'GB'] as const;

/** 1536 -> "1.5 KB" (decimal units, as file managers show them). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  if (unit === 0) return `${value} ${value === 1 ? 'byte' : 'bytes'}`;
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${UNITS[unit]}`;
}

export const formatDimensions = (width: number, height: number): string => `${width} × ${height}`;

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const narrowRelative = new Intl.RelativeTimeFormat(undefined, { style: 'narrow' });
const shortDate = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

export function formatDate(iso: string): string {
  return dateTime.format(new Date(iso));
}

/** "5m ago", "3h ago", then "Dec 7": short enough for a phone's gallery tile (the full time goes in a title). */
export function formatAgo(iso: string, now = Date.now()): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  if (abs < 3600) return narrowRelative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return narrowRelative.format(Math.round(seconds / 3600), 'hour');
  if (abs < 7 * 86_400) return narrowRelative.format(Math.round(seconds / 86_400), 'day');
  return shortDate.format(new Date(iso));
}

export const STATUS_LABELS: Record<ImageStatus, string> = {
  queued: 'Queued',
  processing: 'Processing',
  done: 'Done',
  failed: 'Failed',
};

/** What people call a link before its file arrives: its last path segment (decoded), else its host. */
export function linkName(url: string): string {
  return lastPathSegment(url) || new URL(url).host;
}

/** What people call the image: its file name, else its link's (an upload by URL not fetched yet), else its id. */
export const displayName = (image: ImageJson): string =>
  image.original?.filename ?? (image.sourceUrl ? linkName(image.sourceUrl) : image.id);

const EXTENSIONS: Record<string, string> = { jpeg: 'jpg', png: 'png', webp: 'webp', avif: 'avif', gif: 'gif' };

/** "holiday.jpg" + small/webp -> "holiday.small.webp". */
export function downloadName(image: ImageJson, preset: string, format: string): string {
  const base = (image.original?.filename ?? image.id).replace(/\.[A-Za-z0-9]{1,5}$/, '');
  return `${base}.${preset}.${EXTENSIONS[format] ?? format}`;
}
