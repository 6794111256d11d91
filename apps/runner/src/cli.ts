#!/usr/bin/env node
import { processIo } from './cli/cli-io.js';
import { runCli } from './cli/run-cli.js';

// process.exitCode rather than process.exit(): lets pending stdout writes reach a pipe.
process.exitCode = await runCli(process.argv.slice(2), { env: process.env, io: processIo });
