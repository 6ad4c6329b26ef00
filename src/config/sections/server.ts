import { integer, optionalText, type Parser, text, type ValuesOf, variable } from '../variable.js';

const publicUrl: Parser<string | undefined> = (value, name, problems) => {
  if (value !== undefined && !/^https?:\/\/[^/]+/.test(value)) {
    problems.push(`${name}: expected an absolute http(s) URL but received ${JSON.stringify(value)}`);
  }
  return value?.replace(/\/+$/, '');
};

export const SERVER = {
  host: variable('HOST', '127.0.0.1', text, 'Address the HTTP server binds to. Loopback unless told otherwise.'),
  port: variable('PORT', '8000', integer(0, 65535), 'HTTP port (0 = any free port).'),
  publicUrl: variable(
    'PUBLIC_URL',
    undefined,
    publicUrl,
    'Absolute base URL used in links (e.g. `https://img.example.com`); relative links when unset.',
  ),
};

/** Read by config/load.ts before any other variable: it says where the others may also come from. */
export const CONFIG_FILE = variable(
  'CONFIG_FILE',
  undefined,
  optionalText,
  'Optional JSON file whose keys are these variable names (and `PRESETS` may be an array); the environment wins over it.',
);

export type ServerConfig = ValuesOf<typeof SERVER>;
