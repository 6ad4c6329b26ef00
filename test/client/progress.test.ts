import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  type Counts,
  formatBytes,
  formatDuration,
  noOutcomes,
  RateMeter,
  renderBar,
  statusLine,
  TerminalProgress,
} from '../../src/client/progress.js';

const base: Counts = {
  files: 40,
  sent: 12,
  uploaded: 12,
  outcomes: { ...noOutcomes(), done: 10, failed: 1 },
  bytesTotal: 52_000_000,
  bytesSent: 18_200_000,
  waiting: 2,
  retrying: null,
};

describe('terminal progress', () => {
  it('formats bytes, durations and bars', () => {
    expect([0, 999, 1000, 1536, 52_000_000, 123_456_789_000].map(formatBytes)).toEqual([
      '0 B',
      '999 B',
      '1.0 kB',
      '1.5 kB',
      '52.0 MB',
      '123 GB',
    ]);
    expect([0.42, 8, 59.6, 125, 3725, Number.NaN, -1].map(formatDuration)).toEqual([
      '0.4s',
      '8.0s',
      '1m00s',
      '2m05s',
      '1h02m',
      '--',
      '--',
    ]);
    expect(renderBar(0, 4)).toBe('    ');
    expect(renderBar(0.5, 4)).toBe('██  ');
    expect(renderBar(0.5625, 4)).toBe('██▎ ');
    expect(renderBar(1, 4)).toBe('████');
    expect(renderBar(7, 4)).toBe('████');
  });

  it('measures the rate over a sliding window', () => {
    const meter = new RateMeter(5000);
    expect(meter.rate).toBe(0);
    meter.sample(0, 0);
    meter.sample(4_000_000, 1000);
    expect(meter.rate).toBe(4_000_000);
    meter.sample(4_000_000, 7000); // idle since: the old samples leave the window
    meter.sample(5_000_000, 8000);
    expect(meter.rate).toBe(1_000_000);
  });

  it('puts counts, bar, bytes, rate, ETA and outcomes on one line, fitted to the width', () => {
    const wide = statusLine({ ...base, rate: 4_100_000, columns: 120, spinner: '⠋' });
    expect(wide).toBe(
      `⠋ Uploading 12/40 ▕${'█'.repeat(10)}▌${' '.repeat(19)}▏ 35% · 18.2 MB/52.0 MB · 4.1 MB/s · ETA 8.2s · 10 done · 1 failed`,
    );
    expect(wide.length).toBeLessThan(120);
    // Narrower: the byte figures go first, then the rate; the bar stays as long as it can.
    const narrow = statusLine({ ...base, rate: 4_100_000, columns: 70, spinner: '⠋' });
    expect(narrow).toMatch(/^⠋ Uploading 12\/40 ▕[█▌ ]+▏ 35% · (4\.1 MB\/s · )?ETA 8\.2s · 10 done · 1 failed$/);
    expect(narrow.length).toBeLessThan(70);
    const tiny = statusLine({ ...base, rate: 0, columns: 30, spinner: '⠋' });
    expect(tiny.length).toBeLessThan(30);
    // After the last upload: rendering, counted in finished images.
    const rendering = statusLine({
      ...base,
      sent: 40,
      uploaded: 39,
      outcomes: { ...noOutcomes(), done: 30, failed: 2, rejected: 1 },
      rate: 0,
      columns: 100,
      spinner: '⠙',
    });
    // Each outcome under its own word, the same as in the summary.
    expect(rendering).toMatch(
      /^⠙ Rendering 33\/40 ▕[█▌▊▉▋▍▎▏ ]+▏ 82% · 18\.2 MB\/52\.0 MB · 30 done · 2 failed · 1 rejected$/,
    );
  });

  it('says the server is away and being retried instead of freezing (no rate or ETA then)', () => {
    const line = statusLine({
      ...base,
      retrying: 'server unreachable, retrying (3)…',
      rate: 4_100_000,
      columns: 160,
      spinner: '⠋',
    });
    expect(line).toMatch(/ · 10 done · 1 failed · server unreachable, retrying \(3\)…$/);
    expect(line).not.toContain('ETA');
  });

  it('erases the whole line when it stops, whatever the terminal echoed onto it (a ^C)', () => {
    let written = '';
    const stream = Object.assign(
      new Writable({
        write(chunk, _encoding, done) {
          written += String(chunk);
          done();
        },
      }),
      { columns: 80 },
    );
    const bar = new TerminalProgress(stream, () => base);
    bar.start();
    bar.stop();
    expect(written.endsWith('\r\x1b[2K')).toBe(true);
    expect(written).toContain('Uploading 12/40');
  });
});
