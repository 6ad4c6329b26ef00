import { backendContext, migrateDatabase } from '../composition/backends.js';
import { Closers } from '../lib/closers.js';
import { prepareDirectories } from '../startup.js';
import { type Context, EXIT } from './command.js';
import { composeRuntime } from './serve.js';

/** `thumbsmith migrate`: only the database, so a migration job does not need the queue or the storage to be up. */
export async function migrate({ config, logger }: Context): Promise<number> {
  await prepareDirectories(config, 'database');
  const applied = await migrateDatabase(config, backendContext(config, { logger, closers: new Closers(logger) }));
  logger.info({ database: config.database.kind, applied }, 'database schema is up to date');
  process.stdout.write(
    applied.length > 0
      ? `applied ${applied.length} migration(s): ${applied.join(', ')}\n`
      : 'schema already up to date\n',
  );
  return EXIT.ok;
}

/** `thumbsmith sweep`: one forced sweep (retention, garbage collection, stuck images, temp leftovers). */
export async function sweep(context: Context): Promise<number> {
  const runtime = await composeRuntime(context);
  try {
    const report = await runtime.sweep({ force: true });
    process.stdout.write(`re-enqueued ${report.requeued} image(s)\n`);
    process.stdout.write(`retention deleted ${report.expired} image(s)\n`);
    process.stdout.write(
      `garbage collected ${report.orphanBlobs} orphan blob(s) and ${report.reapedContents} unreferenced content(s)\n`,
    );
    process.stdout.write(`removed ${report.tempFiles} temp file(s) of processes that are gone\n`);
  } finally {
    await runtime.close();
  }
  return EXIT.ok;
}

/** `thumbsmith reprocess [--preset NAME]`: rerender jobs for variants an older preset definition made. */
export async function reprocess(context: Context, preset: string | undefined): Promise<number> {
  const runtime = await composeRuntime(context);
  try {
    const { scanned, enqueued } = await runtime.reprocess(preset === undefined ? {} : { preset });
    process.stdout.write(`scanned ${scanned} done image(s), enqueued ${enqueued} re-render(s)\n`);
  } finally {
    await runtime.close();
  }
  return EXIT.ok;
}
