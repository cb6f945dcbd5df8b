/**
 * Prints the OpenAPI 3.1 document built from the Worker's own routes and zod schemas, for
 * `redocly lint` in npm test. Runs under tsx (the worker sources use extensionless imports).
 */
import { createApp } from '../worker/app';
import { OPENAPI_CONFIG } from '../worker/openapi-docs';

process.stdout.write(`${JSON.stringify(createApp().getOpenAPI31Document(OPENAPI_CONFIG), null, 2)}\n`);
