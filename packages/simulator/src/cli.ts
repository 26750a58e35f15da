#!/usr/bin/env node
/**
 * `ringkit-sim`: starts both Call API simulators (polling on 5000, webhook on 4830) and prints
 * each call event until SIGINT or SIGTERM. `ringkit-sim --help` lists the options.
 */
import { runSimulatorCli } from './_cli.js';

// No top-level await: this entry is also built as CommonJS.
void runSimulatorCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
}).then((code) => {
  // Writes to a pipe or a terminal are synchronous in Node, so nothing printed is lost here;
  // exiting also drops idle keep-alive sockets left by webhook deliveries.
  process.exit(code);
});
