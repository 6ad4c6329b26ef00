import { describe, expect, it } from 'vitest';
import { parsePrometheusText, Scrape } from '../support/prometheus-text.js';

describe('the test suite’s Prometheus text parser', () => {
  it('reads families, labels with escapes, histograms and special values', () => {
    const scrape = Scrape.parse(
      [
        '# HELP a_total Things, with a \\\\ backslash.',
        '# TYPE a_total counter',
        'a_total{code="X",path="a\\"b\\\\c\\nd"} 3',
        'a_total 1 1700000000000',
        '# TYPE h histogram',
        'h_bucket{le="0.5"} 1',
        'h_bucket{le="+Inf"} 2',
        'h_sum 1.5',
        'h_count 2',
        '# TYPE g gauge',
        'g Nan',
        'g{x="1"} -Inf',
        '',
      ].join('\n'),
    );
    expect(scrape.family('a_total').help).toBe('Things, with a \\ backslash.');
    expect(scrape.samples('a_total', { code: 'X' })[0]?.labels.path).toBe('a"b\\c\nd');
    expect(scrape.sum('a_total')).toBe(4);
    expect(scrape.sum('h_count')).toBe(2);
    expect(scrape.samples('h_bucket', { le: '+Inf' })[0]?.value).toBe(2);
    expect(scrape.samples('g')[0]?.value).toBeNaN();
    expect(scrape.samples('g', { x: '1' })[0]?.value).toBe(Number.NEGATIVE_INFINITY);
  });

  it('throws on what Prometheus would reject', () => {
    for (const text of [
      'untyped_sample 1',
      '# TYPE a counter\na{x="1" 2',
      '# TYPE a counter\na{x="1"} two',
      '# TYPE a counter\na{x="1",x="2"} 1',
      '# TYPE a counter\n# TYPE a counter',
      '# TYPE a whatever',
      '# TYPE a counter\na  1',
      '# TYPE a counter\na{x="\\q"} 1',
    ]) {
      expect(() => parsePrometheusText(text), text).toThrow();
    }
  });
});
