#!/usr/bin/env node
// Client commands (upload, status, get, delete) load only the HTTP client: quick to start, no server modules.
const client = await import('../dist/client/entry.js');
if (client.isClientCommand(process.argv.slice(2))) await client.runClientProcess();
else await import('../dist/cli.js');
