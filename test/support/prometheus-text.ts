/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for tests: every line must be a
 * `# HELP`, a `# TYPE`, another comment, or a sample of a metric whose TYPE came first; anything else throws, so a
 * malformed `/metrics` fails the test instead of being skipped.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name (`x_bucket`, `x_sum`, `x_count` for a histogram `x`). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];
const SUFFIXES: Record<MetricType, readonly string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const helps = new Map<string, string>();
  text.split('\n').forEach((line, index) => {
    const where = `line ${index + 1}: ${JSON.stringify(line)}`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!match) return; // a plain comment
      const [, kind, name, rest] = match as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name, ${where}`);
      if (kind === 'HELP') {
        helps.set(name, unescapeHelp(rest));
        const family = families.get(name);
        if (family) family.help = unescapeHelp(rest);
        return;
      }
      if (!TYPES.includes(rest as MetricType)) throw new Error(`bad TYPE, ${where}`);
      if (families.has(name)) throw new Error(`second TYPE for ${name}, ${where}`);
      families.set(name, { name, type: rest as MetricType, help: helps.get(name) ?? '', samples: [] });
      return;
    }
    const sample = parseSample(line, where);
    const family = familyOf(families, sample.name);
    if (!family) throw new Error(`sample of a metric without TYPE, ${where}`);
    family.samples.push(sample);
  });
  return families;
}

function familyOf(families: Map<string, MetricFamily>, sampleName: string): MetricFamily | undefined {
  for (const family of families.values()) {
    for (const suffix of SUFFIXES[family.type]) {
      if (sampleName === family.name + suffix) return family;
    }
  }
  return undefined;
}

function parseSample(line: string, where: string): Sample {
  const nameMatch = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
  if (!nameMatch) throw new Error(`bad sample, ${where}`);
  const name = nameMatch[1]!;
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    let i = 1;
    while (rest[i] !== '}') {
      const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(rest.slice(i));
      if (!label) throw new Error(`bad label, ${where}`);
      i += label[0].length;
      let value = '';
      for (;;) {
        const char = rest[i];
        if (char === undefined) throw new Error(`unterminated label value, ${where}`);
        i += 1;
        if (char === '"') break;
        if (char === '\\') {
          const escaped = rest[i];
          i += 1;
          if (escaped === 'n') value += '\n';
          else if (escaped === '\\' || escaped === '"') value += escaped;
          else throw new Error(`bad escape in label value, ${where}`);
        } else value += char;
      }
      if (Object.hasOwn(labels, label[1]!)) throw new Error(`label ${label[1]} twice, ${where}`);
      labels[label[1]!] = value;
      if (rest[i] === ',') i += 1;
      else if (rest[i] !== '}') throw new Error(`expected , or } after a label, ${where}`);
    }
    rest = rest.slice(i + 1);
  }
  const valueMatch = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
  if (!valueMatch) throw new Error(`bad value, ${where}`);
  const text = valueMatch[1]!;
  // Prometheus reads values with Go's ParseFloat: NaN and Inf in any case (prom-client writes `Nan`).
  const special = /^(?:([+-]?)inf(?:inity)?|nan)$/i.exec(text);
  const value = special
    ? special[1] === undefined
      ? Number.NaN
      : special[1] === '-'
        ? Number.NEGATIVE_INFINITY
        : Number.POSITIVE_INFINITY
    : Number(text);
  if (!special && (text.trim() === '' || Number.isNaN(value))) throw new Error(`bad number, ${where}`);
  return { name, labels, value };
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(n|\\)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** One scrape, parsed, with helpers to read single values by labels. */
export class Scrape {
  constructor(readonly families: Map<string, MetricFamily>) {}

  static parse(text: string): Scrape {
    return new Scrape(parsePrometheusText(text));
  }

  family(name: string): MetricFamily {
    const family = this.families.get(name);
    if (!family) throw new Error(`no metric ${name} in the scrape`);
    return family;
  }

  /** Samples of `sampleName` whose labels include `labels` (exactly those values). */
  samples(sampleName: string, labels: Record<string, string> = {}): Sample[] {
    const family = familyOf(this.families, sampleName);
    if (!family) return [];
    return family.samples.filter(
      (s) => s.name === sampleName && Object.entries(labels).every(([key, value]) => s.labels[key] === value),
    );
  }

  /** Sum of the matching samples (0 when none: a counter never incremented is absent). */
  sum(sampleName: string, labels: Record<string, string> = {}): number {
    return this.samples(sampleName, labels).reduce((total, s) => total + s.value, 0);
  }
}
