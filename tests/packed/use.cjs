// The installed packages through `require`. The same checks as use.mjs.
const { once } = require('node:events');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const express = require('express');
const client = require('@ringkit/call-client');
const testing = require('@ringkit/simulator');
const twilio = require('@ringkit/call-client/twilio');
const telnyx = require('@ringkit/call-client/telnyx');
const signalwire = require('@ringkit/call-client/signalwire');
const vonage = require('@ringkit/call-client/vonage');
const dialer = require('@ringkit/dialer');
const scheduler = require('@ringkit/scheduler-core');
const sqlite = require('@ringkit/scheduler-core/sqlite');

// The checks themselves are shared; only how the packages are loaded differs.
import('./checks.mjs')
  .then(({ runChecks }) =>
    runChecks('require', {
      client,
      testing,
      twilio,
      telnyx,
      signalwire,
      vonage,
      dialer,
      scheduler,
      sqlite,
      express,
      once,
      fs: { mkdtempSync, rmSync },
      tmpdir,
      join,
    }),
  )
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
