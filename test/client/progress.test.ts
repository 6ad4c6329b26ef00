import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, RateMeter, renderBar, statusLine } from '../../src/client/progress.js';

const base = {
  files: 40,
  uploaded: 12,
  done: 10,
  failed: 1,
  rejected: 0,
  bytesTotal: 52_000_000,
  bytesSent: 18_200_000,
  waiting: 2,
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
      uploaded: 39,
      rejected: 1,
      done: 30,
      failed: 2,
      rate: 0,
      columns: 100,
      spinner: '⠙',
    });
    expect(rendering).toMatch(/^⠙ Rendering 33\/40 ▕[█▌▊▉▋▍▎▏ ]+▏ 82% · 18\.2 MB\/52\.0 MB · 30 done · 3 failed$/);
  });
});
