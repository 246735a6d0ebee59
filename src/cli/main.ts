#!/usr/bin/env node
/** `elbo`: the executable; the commands are in program.ts. */
import { main } from "./program.js";

process.exitCode = await main(process.argv.slice(2));
