import { EVENTS } from './sections/events.js';
import { FETCH } from './sections/fetch.js';
import { LIMITS, PRESETS } from './sections/images.js';
import { GARBAGE_COLLECTION, RETENTION, WEBHOOKS } from './sections/lifecycle.js';
import { LOG } from './sections/logging.js';
import { QUEUE_DASHBOARD, SECURITY } from './sections/security.js';
import { CONFIG_FILE, SERVER } from './sections/server.js';
import { STORAGE } from './sections/storage.js';
import { ISOLATION, JOBS, SWEEP, WORKER } from './sections/workers.js';
import type { VariableSpec } from './variable.js';

/**
 * Every configuration variable Thumbsmith reads, in the order of the README's configuration table (which a test
 * checks against it). Each is declared once, with its default, bounds, parser and meaning, in its section
 * (config/sections/); this list only puts the sections in order.
 */
export const VARIABLES: readonly VariableSpec[] = [
  ...Object.values(SERVER),
  CONFIG_FILE,
  ...Object.values(STORAGE),
  ...Object.values(WORKER),
  ...Object.values(JOBS),
  ...Object.values(ISOLATION),
  ...Object.values(SWEEP),
  ...Object.values(RETENTION),
  ...Object.values(GARBAGE_COLLECTION),
  ...Object.values(WEBHOOKS),
  ...Object.values(EVENTS),
  ...Object.values(FETCH),
  ...Object.values(LIMITS),
  PRESETS,
  ...Object.values(LOG),
  ...Object.values(SECURITY),
  ...Object.values(QUEUE_DASHBOARD),
];
