// openapi-typescript with the one transform the CLI lacks: `format: binary` fields (the upload's `file`) become
// `Blob`, so a FormData body type-checks. Usage: node tools/openapi/generate.mjs <document.json> (prints the types).
import { readFileSync } from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';

const BLOB = ts.factory.createTypeReferenceNode(ts.factory.createIdentifier('Blob'));

const document = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const ast = await openapiTS(document, {
  rootTypes: true,
  transform: (schema) => (schema.format === 'binary' ? BLOB : undefined),
});
process.stdout.write(astToString(ast));
