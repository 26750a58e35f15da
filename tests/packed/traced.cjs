// The packages traced, through `require`. The same checks as traced.mjs.
const api = require('@opentelemetry/api');
const hooks = require('@opentelemetry/context-async-hooks');
const sdk = require('@opentelemetry/sdk-trace');
const client = require('@ringkit/call-client');
const testing = require('@ringkit/simulator');
const dialer = require('@ringkit/dialer');
const scheduler = require('@ringkit/scheduler-core');
const memory = require('@ringkit/scheduler-core/memory');

import('./traced-checks.mjs')
  .then(({ runTracedChecks }) =>
    runTracedChecks('require', { api, hooks, sdk, client, testing, dialer, scheduler, memory }),
  )
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
