/**
 * What a configuration variable is — name, default, meaning and parser in one value — and the parsers most of them
 * share. The sections (config/sections/) declare their variables with these; config/load.ts reads them.
 */

/** Where a variable's text comes from, the environment first (see config/load.ts). */
export type Source = Readonly<Record<string, string | undefined>>;

/**
 * Turns a variable's text into its value. A bad text is reported in `problems` (`NAME: …`) and answered with a
 * stand-in, so that every problem of a configuration is found in one pass.
 */
export type Parser<T, Text = string | undefined> = (text: Text, name: string, problems: string[]) => T;

/** What the README's configuration table shows of a variable. */
export interface VariableSpec {
  readonly name: string;
  /** Default as written in the environment; `undefined` = unset. */
  readonly default: string | undefined;
  readonly description: string;
  /** A secret: may instead be read from the file `NAME_FILE` names (container and Kubernetes secrets). */
  readonly secret?: boolean;
}

export interface Variable<T> extends VariableSpec {
  /** Parses the text from the environment or the file, or the default when neither sets it. */
  readonly parse: Parser<T>;
}

export function variable<T>(name: string, def: string, parse: Parser<T, string>, description: string): Variable<T>;
export function variable<T>(name: string, def: undefined, parse: Parser<T>, description: string): Variable<T>;
export function variable<T>(
  name: string,
  def: string | undefined,
  parse: Parser<T, string>,
  description: string,
): Variable<T> {
  // The overloads guarantee a text-only parser has a default to fall back on.
  return { name, default: def, description, parse: (text, ...rest) => parse((text ?? def) as string, ...rest) };
}

/** Marks a variable as a secret, which may also be given as a file: `NAME_FILE=/run/secrets/name`. */
export function secret<T>(variable: Variable<T>): Variable<T> {
  return { ...variable, secret: true };
}

/** A group of variables that becomes one object of the configuration, key by key. */
export type VariableTable = Readonly<Record<string, Variable<unknown>>>;

export type ValuesOf<Table extends VariableTable> = {
  [Key in keyof Table]: Table[Key] extends Variable<infer T> ? T : never;
};

/** Reads one variable: its text from wherever it is set, parsed by the variable's own parser. */
export type Read = <T>(variable: Variable<T>) => T;

/**
 * What a section's reader gets: `read`; `textOf`, a variable's text unparsed (from wherever it is set, else the
 * default); the list to add cross-variable problems to; and the raw environment.
 */
export interface Reading {
  readonly read: Read;
  readonly textOf: (variable: VariableSpec) => string | undefined;
  readonly problems: string[];
  readonly env: Source;
}

export function readAll<Table extends VariableTable>(table: Table, read: Read): ValuesOf<Table> {
  const values: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(table)) values[key] = read(entry);
  return values as ValuesOf<Table>;
}

/** The text as it is (a variable with a default). */
export const text: Parser<string, string> = (value) => value;

/** The text as it is; `undefined` when unset. */
export const optionalText: Parser<string | undefined> = (value) => value;

export function integer(min: number, max = Number.MAX_SAFE_INTEGER): Parser<number> {
  return (value, name, problems) => {
    if (value === undefined || !/^-?\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) {
      problems.push(`${name}: expected an integer ${min}-${max} but received ${JSON.stringify(value)}`);
      return min;
    }
    return Number(value);
  };
}

/** A parser of a variable with a default, for one without: `undefined` stays unset. */
export function optional<T>(parse: Parser<T, string>): Parser<T | undefined> {
  return (value, name, problems) => (value === undefined ? undefined : parse(value, name, problems));
}

/** An integer in one unit, kept in another (`MIN_FREE_DISK_MB` as bytes, `…_SECONDS` as milliseconds). */
export function scaled(min: number, max: number, factor: number): Parser<number> {
  const parse = integer(min, max);
  return (value, name, problems) => parse(value, name, problems) * factor;
}

export const flag: Parser<boolean> = (value, name, problems) => {
  const lower = value?.toLowerCase();
  if (lower === 'true' || lower === '1' || lower === 'yes') return true;
  if (lower === 'false' || lower === '0' || lower === 'no' || lower === undefined) return false;
  problems.push(`${name}: expected true or false but received ${JSON.stringify(lower)}`);
  return false;
};

/** A comma-separated list, trimmed, empty entries dropped. */
export function list(value: string, normalise: (entry: string) => string = (entry) => entry): string[] {
  return value
    .split(',')
    .map((entry) => normalise(entry.trim()))
    .filter(Boolean);
}

/** Hides credentials in a URL so configuration errors never print secrets. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
}
