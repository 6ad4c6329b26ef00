// Runs the command-line client alone (as bin/thumbsmith.js does for client commands), for quick child processes.
import { runClientProcess } from '../../src/client/entry.js';

await runClientProcess(process.argv.slice(2));
