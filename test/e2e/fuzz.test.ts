/**
 * Fuzz: hundreds of seeded mutations (byte-level and structure-aware) of valid JPEG, PNG, GIF, WebP, TIFF, AVIF (and
 * BMP, HEIC) images, uploaded to ONE running `thumbsmith start`, 8 at a time. Each must end as a 4xx problem with a
 * catalogue code at upload, or `done`, or `failed` with an image error code; never a 5xx, never a hang (polling is
 * bounded), never a crash (the same process answers /healthz at the end), and the process's resident memory stays
 * under a safety bound.
 *
 * FUZZ_SEED and FUZZ_COUNT override the seed (printed) and the number of mutations.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, type ErrorCode, isErrorCode } from '../../src/domain/errors.js';
import { type ImageJson, upload } from '../support/http.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import { type Mutant, makeSeeds, mutate } from './fuzz-mutations.js';
import { filesUnder, healthStatus, imageRows, rssBytes, variantFiles } from './service-probes.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_123);
const COUNT = Number(process.env.FUZZ_COUNT ?? 520);
const CLIENTS = 8;
const JOB_TIMEOUT_MS = 10_000;
/** A job not final this long after its upload is a hang. */
const FINAL_WITHIN_MS = JOB_TIMEOUT_MS + 20_000;
/** A safety bound, not a performance target. */
const MAX_RSS_BYTES = 1024 ** 3;

/** Codes a bad image may legitimately fail with; anything else (TS_INTERNAL, attempts exhausted) is a bug. */
const IMAGE_FAILURES: ReadonlySet<string> = new Set<ErrorCode>([
  'TS_IMAGE_CORRUPT',
  'TS_IMAGE_TOO_MANY_PIXELS',
  'TS_IMAGE_TOO_MANY_FRAMES',
  'TS_IMAGE_DIMENSIONS',
  'TS_IMAGE_TOO_COMPLEX',
  'TS_IMAGE_METADATA_TOO_LARGE',
  'TS_UNSUPPORTED_FORMAT',
  'TS_UNSUPPORTED_MEDIA',
  'TS_RENDER_TIMEOUT',
]);

let service: ServiceProcess;

beforeAll(async () => {
  service = await startService({
    env: {
      JOB_TIMEOUT_MS: String(JOB_TIMEOUT_MS),
      // A transient error would be retried quickly, so it shows up as a final code instead of a slow test.
      JOB_MAX_ATTEMPTS: '2',
      JOB_BACKOFF_MS: '50',
      JOB_BACKOFF_MAX_MS: '200',
    },
  });
});
afterAll(async () => {
  await service?.stop();
  if (service) await removeDataDir(service.dataDir);
});

interface Outcome {
  readonly mutant: Mutant;
  /** `upload <status> <code>`, `done`, or `failed <code>`. */
  readonly outcome: string;
  readonly id?: string;
  /** The final image, for accepted uploads. */
  readonly image?: ImageJson;
  /** Why this outcome breaks the rules, if it does. */
  readonly problem?: string;
}

async function poll(id: string): Promise<ImageJson | undefined> {
  const deadline = Date.now() + FINAL_WITHIN_MS;
  while (Date.now() < deadline) {
    const response = await fetch(`${service.url}/v1/images/${id}`);
    if (response.status !== 200) throw new Error(`GET ${id} answered ${response.status}`);
    const image = (await response.json()) as ImageJson;
    if (image.status === 'done' || image.status === 'failed') return image;
    await sleep(40);
  }
  return undefined;
}

async function run(mutant: Mutant): Promise<Outcome> {
  const response = await upload(service.url, mutant.bytes, { filename: `fuzz-${mutant.index}.jpg` });
  if (response.status !== 202) {
    const body = (await response.json().catch(() => ({}))) as { code?: unknown; status?: unknown };
    const code = String(body.code);
    const outcome = `upload ${response.status} ${code}`;
    const wellFormed =
      response.status >= 400 &&
      response.status < 500 &&
      (response.headers.get('content-type') ?? '').includes('application/problem+json') &&
      isErrorCode(body.code) &&
      ERROR_CATALOGUE[body.code].status === response.status &&
      body.status === response.status;
    return wellFormed ? { mutant, outcome } : { mutant, outcome, problem: 'not a 4xx catalogue problem' };
  }
  const { id } = (await response.json()) as ImageJson;
  const image = await poll(id);
  if (!image) return { mutant, id, outcome: 'hang', problem: `not final after ${FINAL_WITHIN_MS} ms` };
  if (image.status === 'done') {
    return image.variants.length === 3
      ? { mutant, id, image, outcome: 'done' }
      : { mutant, id, image, outcome: 'done', problem: `${image.variants.length} variants` };
  }
  const code = image.error?.code ?? 'none';
  return IMAGE_FAILURES.has(code)
    ? { mutant, id, image, outcome: `failed ${code}` }
    : { mutant, id, image, outcome: `failed ${code}`, problem: `not an image error: ${image.error?.message}` };
}

describe('fuzz: mutated images against one running service', () => {
  it(`${COUNT} mutations, ${CLIENTS} at a time: 4xx at upload, or done/failed with an image code; process up, memory bounded`, async () => {
    console.log(`fuzz: FUZZ_SEED=${SEED} FUZZ_COUNT=${COUNT}`);
    const mutants = mutate(await makeSeeds(), COUNT, SEED);
    const pid = service.child.pid!;
    let maxRss = rssBytes(pid);
    const sampler = setInterval(() => {
      if (service.child.exitCode === null) maxRss = Math.max(maxRss, rssBytes(pid));
    }, 100);
    const started = Date.now();
    const outcomes: Outcome[] = [];
    try {
      let next = 0;
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (next < mutants.length && service.child.exitCode === null) {
            const mutant = mutants[next++]!;
            outcomes.push(
              await run(mutant).catch((error: unknown) => ({
                mutant,
                outcome: 'error',
                problem: String(error),
              })),
            );
          }
        }),
      );
    } finally {
      clearInterval(sampler);
    }
    const seconds = (Date.now() - started) / 1000;

    const byOutcome = new Map<string, number>();
    for (const { outcome } of outcomes) byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
    const table = [...byOutcome]
      .sort((a, b) => b[1] - a[1])
      .map(([outcome, n]) => `  ${String(n).padStart(4)} ${outcome}`);
    console.log(
      [
        `fuzz: ${outcomes.length} mutations in ${seconds.toFixed(1)} s, max RSS ${(maxRss / 1024 ** 2).toFixed(0)} MiB`,
        ...table,
      ].join('\n'),
    );
    const broken = outcomes.filter((o) => o.problem);
    for (const o of broken.slice(0, 20)) {
      console.log(`fuzz: #${o.mutant.index} ${o.mutant.seed} ${o.mutant.mutation} -> ${o.outcome}: ${o.problem}`);
    }

    expect(service.child.exitCode, 'the service process died').toBeNull();
    expect(await healthStatus(service.url)).toBe(200);
    expect(outcomes).toHaveLength(COUNT);
    expect(broken.map((o) => `#${o.mutant.index} ${o.mutant.seed} ${o.mutant.mutation}: ${o.problem}`)).toEqual([]);
    expect(maxRss).toBeLessThan(MAX_RSS_BYTES);
    // The fuzz exercised all three kinds of answer, not only one.
    expect([...byOutcome.keys()].some((k) => k.startsWith('upload 4'))).toBe(true);
    expect(byOutcome.get('done') ?? 0).toBeGreaterThan(0);
    expect([...byOutcome.keys()].some((k) => k.startsWith('failed '))).toBe(true);

    // Nothing half-stored: rows only for accepted uploads, no variant blobs for failed images, no temp files.
    const accepted = outcomes.filter((o) => o.id);
    const rows = imageRows(service.dataDir);
    expect(rows.map((r) => r.id).sort()).toEqual(accepted.map((o) => o.id!).sort());
    const failed = outcomes.flatMap((o) => (o.image?.status === 'failed' ? [o.image] : []));
    expect(failed.length).toBeGreaterThan(0);
    for (const image of failed) expect(await variantFiles(service.dataDir, image), image.id).toEqual([]);
    const done = outcomes.flatMap((o) => (o.image?.status === 'done' ? [o.image] : []));
    expect(await variantFiles(service.dataDir, done[0]!)).toHaveLength(3);
    expect(await filesUnder(`${service.dataDir}/tmp`)).toEqual([]);
  }, 180_000);
});
