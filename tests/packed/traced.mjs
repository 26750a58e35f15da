// The packages traced, through `import`. The same checks as traced.cjs.
import * as api from '@opentelemetry/api';
import * as hooks from '@opentelemetry/context-async-hooks';
import * as sdk from '@opentelemetry/sdk-trace';
import * as client from '@ringkit/call-client';
import * as testing from '@ringkit/simulator';
import * as dialer from '@ringkit/dialer';
import * as scheduler from '@ringkit/scheduler-core';
import * as memory from '@ringkit/scheduler-core/memory';
import { runTracedChecks } from './traced-checks.mjs';

await runTracedChecks('import', { api, hooks, sdk, client, testing, dialer, scheduler, memory });
