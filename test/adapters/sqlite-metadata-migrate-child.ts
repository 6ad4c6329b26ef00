// Run by sqlite-metadata-store.test.ts in a child process: once loaded it prints "ready", waits for a line on stdin
// (so that all children start migrating at the same moment), migrates the file named in argv, prints what it applied.
import { once } from 'node:events';
import { migrateSqliteFile } from '../../src/adapters/sqlite/sqlite-metadata-store.js';

const path = process.argv[2];
if (!path) throw new Error('usage: sqlite-metadata-migrate-child.ts <file>');
process.stdout.write('ready\n');
await once(process.stdin, 'data');
process.stdout.write(`${JSON.stringify(await migrateSqliteFile(path))}\n`);
process.stdin.destroy();
