import { VARIABLES } from './variables.js';

/** The README's configuration table, generated from config/variables.ts (a test keeps the README in sync). */
export function configurationTable(): string {
  const rows = VARIABLES.map(
    (v) =>
      `| \`${v.name}\` | ${v.default === undefined ? '—' : `\`${v.default}\``} | ${v.description}${v.secret ? ` Secret: or a file named by \`${v.name}_FILE\`.` : ''} |`,
  );
  return ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n');
}
