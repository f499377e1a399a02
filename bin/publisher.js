#!/usr/bin/env node
// The `publisher` command: registers the TypeScript loader, then hands off to the CLI.
import { register } from 'tsx/esm/api';
register();
await import('./cli.ts');
