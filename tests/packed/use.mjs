// The installed packages through `import`. The same checks as use.cjs.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import * as client from '@ringkit/call-client';
import * as testing from '@ringkit/simulator';
import * as twilio from '@ringkit/call-client/twilio';
import * as telnyx from '@ringkit/call-client/telnyx';
import * as signalwire from '@ringkit/call-client/signalwire';
import * as vonage from '@ringkit/call-client/vonage';
import * as dialerPkg from '@ringkit/dialer';
import * as scheduler from '@ringkit/scheduler-core';
import * as sqlite from '@ringkit/scheduler-core/sqlite';
import { runChecks } from './checks.mjs';

await runChecks('import', {
  client,
  testing,
  twilio,
  telnyx,
  signalwire,
  vonage,
  dialer: dialerPkg,
  scheduler,
  sqlite,
  express,
  once,
  fs: { mkdtempSync, rmSync },
  tmpdir,
  join,
});
