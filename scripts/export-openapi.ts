/**
 * Prints the OpenAPI 3.1 document built from the Worker's own routes and zod schemas, for
 * `redocly lint` in npm test. Runs under Node (type stripping; every relative import names its .ts file).
 */
import { createApp } from '../worker/app.ts';
import { OPENAPI_CONFIG } from '../worker/openapi-docs.ts';

process.stdout.write(`${JSON.stringify(createApp().getOpenAPI31Document(OPENAPI_CONFIG), null, 2)}\n`);
