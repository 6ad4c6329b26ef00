// Prints the configuration table for the README: `npx tsx scripts/config-table.ts`.
import { configurationTable } from '../src/config/docs.js';

process.stdout.write(`${configurationTable()}\n`);
