import sharp from 'sharp';

/**
 * Sets libvips' process-wide knobs. Only the composition root calls this, once at start-up.
 * `concurrency` is libvips threads per image (sharp defaults to 1 on glibc without jemalloc); `cacheMemoryMb` bounds
 * libvips' operation cache. Open files are never cached: inputs are temp files that are deleted after a job.
 */
export function configureImaging(options: { concurrency: number; cacheMemoryMb: number }): void {
  sharp.concurrency(Math.max(1, Math.floor(options.concurrency)));
  sharp.cache({ memory: Math.max(0, Math.floor(options.cacheMemoryMb)), files: 0, items: 100 });
}
