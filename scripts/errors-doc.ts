// Writes docs/errors.md from the error catalogue: `npx tsx scripts/errors-doc.ts > docs/errors.md`.
import { ERROR_CATALOGUE, ERROR_CODES } from '../src/domain/errors.js';

const rows = ERROR_CODES.map((code) => {
  const { status, title, retryable } = ERROR_CATALOGUE[code];
  return `| \`${code}\` | ${status} | ${title} | ${retryable ? 'yes' : 'no'} |`;
});
process.stdout.write(`# Error codes

Every error Thumbsmith reports carries one of these stable codes: in problem+json answers (\`code\`, and \`type\` =
\`urn:thumbsmith:error:CODE\`), in a failed image's \`error.code\`, and in logs. Codes are never renamed or reused.
"Retried" says whether a job failing with the code is tried again (with backoff) while attempts remain.

| Code | HTTP | Meaning | Retried |
|---|---|---|---|
${rows.join('\n')}
`);
