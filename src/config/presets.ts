import {
  DEFAULT_PRESET_VALUES,
  FITS,
  type Fit,
  GRAVITIES,
  type Gravity,
  PRESET_FORMATS,
  type Preset,
  type PresetDefinition,
  type PresetFormat,
  withVersion,
} from '../domain/preset.js';

const NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const COLOUR = /^#([0-9a-f]{6}|[0-9a-f]{8})$/i;

/**
 * Parses `PRESETS`: either the compact form `name:W[xH][:fit][:format]` (comma-separated), or a JSON array of
 * preset objects. Returns the presets or the list of problems, each naming the preset and field.
 */
export function parsePresets(raw: string, maxDimension: number): { presets: Preset[]; errors: string[] } {
  const errors: string[] = [];
  let entries: unknown;
  const text = raw.trim();
  if (text.startsWith('[')) {
    try {
      entries = JSON.parse(text);
    } catch (error) {
      return { presets: [], errors: [`PRESETS: not valid JSON (${(error as Error).message})`] };
    }
  } else {
    entries = text
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => parseCompact(part, errors));
  }
  if (!Array.isArray(entries) || entries.length === 0) {
    return { presets: [], errors: [...errors, 'PRESETS: at least one preset is required'] };
  }
  const presets: Preset[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    if (entry === undefined) continue;
    const definition = toDefinition(entry, maxDimension, errors);
    if (!definition) continue;
    if (seen.has(definition.name)) errors.push(`PRESETS: preset "${definition.name}" is defined twice`);
    seen.add(definition.name);
    presets.push(withVersion(definition));
  }
  return { presets, errors };
}

function parseCompact(part: string, errors: string[]): Record<string, unknown> | undefined {
  const [name, size, ...rest] = part.split(':');
  const match = /^(\d+)(?:x(\d+))?$/.exec(size ?? '');
  if (!name || !match) {
    errors.push(`PRESETS: "${part}" is not of the form name:W[xH][:fit][:format]`);
    return undefined;
  }
  const entry: Record<string, unknown> = { name, width: Number(match[1]) };
  if (match[2]) entry.height = Number(match[2]);
  for (const token of rest) {
    if ((FITS as readonly string[]).includes(token)) entry.fit = token;
    else if ((PRESET_FORMATS as readonly string[]).includes(token)) entry.format = token;
    else errors.push(`PRESETS: "${part}": "${token}" is neither a fit (${FITS.join('|')}) nor a format`);
  }
  return entry;
}

function toDefinition(entry: unknown, maxDimension: number, errors: string[]): PresetDefinition | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    errors.push('PRESETS: every preset must be an object');
    return undefined;
  }
  const e = entry as Record<string, unknown>;
  const name = e.name;
  if (typeof name !== 'string' || !NAME.test(name)) {
    errors.push(`PRESETS: name ${JSON.stringify(name)} must match ${NAME.source}`);
    return undefined;
  }
  const where = `PRESETS: preset "${name}"`;
  const problems = errors.length;
  const known = new Set([
    'name',
    'width',
    'height',
    'fit',
    'gravity',
    'format',
    'quality',
    'effort',
    'background',
    'enlarge',
    'keepIcc',
    'animated',
  ]);
  for (const key of Object.keys(e)) if (!known.has(key)) errors.push(`${where}: unknown field "${key}"`);

  const dimension = (field: string, value: unknown): number | undefined => {
    if (value === undefined) return undefined;
    if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > maxDimension) {
      errors.push(
        `${where}: expected an integer 1-${maxDimension} (MAX_OUTPUT_DIMENSION) for ${field} but received ${JSON.stringify(value)}`,
      );
    }
    return value as number;
  };
  const width = dimension('width', e.width);
  if (width === undefined) errors.push(`${where}: width is required`);
  const height = dimension('height', e.height) ?? width;
  const oneOf = <T extends string>(field: string, value: unknown, allowed: readonly T[], fallback: T): T => {
    if (value === undefined) return fallback;
    if (!allowed.includes(value as T)) {
      errors.push(`${where}: expected one of ${allowed.join(', ')} for ${field} but received ${JSON.stringify(value)}`);
    }
    return value as T;
  };
  const fit = oneOf<Fit>('fit', e.fit, FITS, DEFAULT_PRESET_VALUES.fit);
  const gravity = oneOf<Gravity>('gravity', e.gravity, GRAVITIES, DEFAULT_PRESET_VALUES.gravity);
  const format = oneOf<PresetFormat>('format', e.format, PRESET_FORMATS, DEFAULT_PRESET_VALUES.format);
  const ranged = (field: string, value: unknown, min: number, max: number): number | undefined => {
    if (value === undefined) return undefined;
    if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
      errors.push(`${where}: expected an integer ${min}-${max} for ${field} but received ${JSON.stringify(value)}`);
    }
    return value as number;
  };
  const quality = ranged('quality', e.quality, 1, 100);
  const effort = ranged('effort', e.effort, 0, 10);
  const background = e.background ?? DEFAULT_PRESET_VALUES.background;
  if (typeof background !== 'string' || !COLOUR.test(background)) {
    errors.push(`${where}: expected #rrggbb or #rrggbbaa for background but received ${JSON.stringify(background)}`);
  }
  const flag = (field: string, value: unknown, fallback: boolean): boolean => {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') errors.push(`${where}: expected true or false for ${field}`);
    return value as boolean;
  };
  const enlarge = flag('enlarge', e.enlarge, DEFAULT_PRESET_VALUES.enlarge);
  const keepIcc = flag('keepIcc', e.keepIcc, DEFAULT_PRESET_VALUES.keepIcc);
  const animated = flag('animated', e.animated, DEFAULT_PRESET_VALUES.animated);
  if (errors.length > problems || width === undefined || height === undefined) return undefined;
  return {
    name,
    width,
    height,
    fit,
    gravity,
    format,
    background: (background as string).toLowerCase(),
    enlarge,
    keepIcc,
    animated,
    ...(quality === undefined ? {} : { quality }),
    ...(effort === undefined ? {} : { effort }),
  };
}
