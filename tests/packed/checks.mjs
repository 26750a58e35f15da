// What a user does first with each package, run against the modules as one loader gave them.
// Every check throws on failure; each prints one line when it passed.

const TIMEOUT_MS = 20_000;

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function within(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no result within ${TIMEOUT_MS} ms`)),
      TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function runChecks(loader, m) {
  const {
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
    fs,
    tmpdir,
    join,
  } = m;
  const pass = (what) => console.log(`ok (${loader}): ${what}`);

  // 1. Both provider flavours place a call against the simulator.
  {
    const sim = await testing.startCallApiSimulator({
      flavour: 'polling',
      port: 0,
      stepMs: [5, 10],
    });
    try {
      const provider = client.createMockCallApiClient({ baseUrl: sim.url });
      const call = await provider.placeCall({ to: '+1 415 555 2671' });
      assert(typeof call.id === 'string' && call.id !== '', 'the polling call has no id');
      const seen = [];
      for await (const event of client.watchCall(provider, call.id, { intervalMs: 5 })) {
        seen.push(event.status);
      }
      assert(client.isTerminal(seen.at(-1)), `the polling call did not end: ${seen.join(' ')}`);
      assert(sim.calls().length === 1, 'the polling simulator did not get exactly one call');
      pass(`placed and followed a call on the polling flavour (${seen.join(' → ')})`);
    } finally {
      await sim.close();
    }
  }
  {
    const sim = await testing.startCallApiSimulator({ flavour: 'webhook', port: 0 });
    try {
      const provider = client.createNumDialerClient({
        baseUrl: sim.url,
        webhookUrl: 'http://127.0.0.1:9/unused',
      });
      const call = await provider.placeCall({ to: '13018040009' });
      assert(typeof call.id === 'string' && call.id !== '', 'the webhook call has no id');
      assert(sim.calls().length === 1, 'the webhook simulator did not get exactly one call');
      pass('placed a call on the webhook flavour');
    } finally {
      await sim.close();
    }
  }

  // 2. A dialer run through Express webhooks, to the end.
  {
    const sim = await testing.startCallApiSimulator({
      flavour: 'webhook',
      port: 0,
      stepMs: [5, 20],
    });
    const app = express();
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address();
      const token = client.createWebhookToken();
      const provider = client.createNumDialerClient({
        baseUrl: sim.url,
        webhookUrl: `http://127.0.0.1:${port}/hooks/${token}`,
      });
      const numbers = ['13018040009', '14155552671', '13018040009', '19842068287'];
      const run = dialer.createDialer({ provider, numbers, concurrency: 2 });
      app.post(
        '/hooks/:token',
        client.createExpressWebhookHandler({ token, onEvent: (event) => run.handleStatus(event) }),
      );
      const drained = new Promise((resolve) => run.on('drained', resolve));
      run.start();
      await within(drained, 'the dialer run');
      const entries = run.snapshot().entries;
      assert(entries.length === numbers.length, 'the dialer lost an entry');
      for (const entry of entries) {
        assert(client.isTerminal(entry.status), `entry ${entry.index} ended ${entry.status}`);
      }
      assert(
        sim.calls().length === numbers.length,
        'the dialer placed a number twice or not at all',
      );
      pass(
        `dialed ${numbers.length} numbers through Express webhooks (${entries.map((e) => e.status).join(', ')})`,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await sim.close();
    }
  }

  // 3. A call scheduled on SQLite is placed once and recorded.
  {
    const dir = fs.mkdtempSync(join(tmpdir(), 'ringkit-packed-sqlite-'));
    const sim = await testing.startCallApiSimulator({
      flavour: 'polling',
      port: 0,
      stepMs: [5, 10],
    });
    const run = scheduler.createScheduler({
      store: sqlite.createSqliteStore({ path: join(dir, 'calls.db') }),
      provider: client.createMockCallApiClient({ baseUrl: sim.url }),
      callerId: '+14155550100',
      watchIntervalMs: 10,
    });
    try {
      await run.start();
      const ended = new Promise((resolve) => run.on('completed', ({ call }) => resolve(call)));
      const failed = new Promise((_, reject) =>
        run.on('failed', ({ call, reason }) =>
          reject(new Error(`the call failed: ${reason} (${call.id})`)),
        ),
      );
      const created = await run.schedule({ to: '+14155552671', at: new Date(Date.now() + 50) });
      const call = await within(Promise.race([ended, failed]), 'the scheduled call');
      assert(call.id === created.id, 'another call completed');
      const { items } = await run.history('+14155552671');
      assert(items.length === 1, `history has ${items.length} records, not 1`);
      assert(sim.calls().length === 1, 'the scheduled call reached the provider more than once');
      pass(`scheduled a call on SQLite, placed once and recorded (${items[0].type})`);
    } finally {
      await run.stop();
      await sim.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  // 4. The Twilio entry: a signed status callback verifies and reads, a forged one does not, and
  //    a call placed on the Twilio simulator is canceled.
  {
    const { accountSid, authToken } = testing.TWILIO_TEST_CREDENTIALS;
    const url = 'https://app.example/webhooks/twilio?tenant=1';
    const params = {
      AccountSid: accountSid,
      CallSid: 'CA0123456789abcdef0123456789abcdef',
      CallStatus: 'in-progress',
      SequenceNumber: '2',
    };
    const signature = twilio.computeTwilioSignature(authToken, url, params);
    assert(
      twilio.verifyTwilioSignature({ authToken, url, params, signature }),
      'a signed callback did not verify',
    );
    assert(
      !twilio.verifyTwilioSignature({
        authToken,
        url,
        params: { ...params, CallStatus: 'completed' },
        signature,
      }),
      'a tampered callback verified',
    );
    const event = twilio.parseTwilioStatusCallback(params);
    assert(event.status === 'answered', `in-progress read as ${event.status}`);
    // Rings for a minute, so the call is surely still ringing when it is canceled.
    const sim = await testing.startCallApiSimulator({
      flavour: 'twilio',
      port: 0,
      stepMs: 50,
      ringMs: 60_000,
    });
    try {
      const provider = twilio.createTwilioClient({
        accountSid,
        authToken,
        from: '+15005550006',
        baseUrl: sim.url,
      });
      const call = await provider.placeCall({
        to: '+14155552671',
        say: 'Tea & biscuits at 4',
        machineDetection: 'detect',
      });
      assert(/^CA[0-9a-f]{32}$/.test(call.id), `the Twilio call id is ${call.id}`);
      const canceled = await provider.cancelCall(call.id);
      assert(client.isTerminal(canceled.status), `the canceled call is ${canceled.status}`);
      const [simulated] = sim.calls();
      assert(sim.calls().length === 1, 'the Twilio simulator did not get exactly one call');
      assert(
        simulated.twiml === '<Response><Say>Tea &amp; biscuits at 4</Say></Response>',
        `the call said ${simulated.twiml}`,
      );
      const mock = client.createMockCallApiClient({ baseUrl: sim.url });
      const refused = await mock.placeCall({ to: '+14155552671', say: 'Hi' }).catch((e) => e);
      assert(client.isUnsupportedCallOptionError(refused), `say on a mock client: ${refused}`);
      const body = JSON.stringify({ CallSid: params.CallSid, CallStatus: 'completed' });
      const { createHash } = await import('node:crypto');
      const bodyUrl = `${url}&bodySHA256=${createHash('sha256').update(body).digest('hex')}`;
      const bodySignature = twilio.computeTwilioSignature(authToken, bodyUrl, {});
      assert(
        twilio.verifyTwilioSignature({ authToken, url: bodyUrl, body, signature: bodySignature }) &&
          !twilio.verifyTwilioSignature({
            authToken,
            url: bodyUrl,
            body: body.replace('completed', 'canceled'),
            signature: bodySignature,
          }),
        'a JSON body was not checked by its bodySHA256',
      );
      pass(
        `verified a Twilio signature (form and JSON body), placed a call with a message then ended it (${canceled.status}), refused an option a provider cannot honour`,
      );
    } finally {
      await sim.close();
    }
  }

  // 5. The Telnyx entry: a webhook signed by the simulator verifies and reads, a forged one does
  //    not, and a call placed on the Telnyx simulator with a message is spoken to and ends.
  {
    // The message is spoken by a command sent once the call is answered: an answered call that
    // lasts 2 s leaves it time to arrive on a loaded machine (a callee who hangs up first hears
    // nothing, on Telnyx as here).
    const sim = await testing.startCallApiSimulator({
      flavour: 'telnyx',
      port: 0,
      stepMs: 20,
      talkMs: 2_000,
    });
    const app = express();
    const server = app.listen(0, '127.0.0.1');
    try {
      await once(server, 'listening');
      const webhookUrl = `http://127.0.0.1:${server.address().port}/webhooks/telnyx`;
      const provider = telnyx.createTelnyxClient({
        ...testing.TELNYX_TEST_CREDENTIALS,
        from: '+14155550100',
        baseUrl: sim.url,
        webhookUrl,
      });
      const events = [];
      const ended = new Promise((resolve) => {
        app.post(
          '/webhooks/telnyx',
          telnyx.createExpressTelnyxWebhookHandler({
            publicKey: sim.publicKey,
            client: provider,
            onEvent: (event) => {
              events.push(event);
              if (client.isTerminal(event.status)) resolve(event);
            },
          }),
        );
      });
      const call = await provider.placeCall({ to: '+14155552671', say: 'Tea & biscuits at 4' });
      assert(call.id.startsWith('v3:'), `the Telnyx call id is ${call.id}`);
      const end = await within(ended, 'the Telnyx call');
      assert(end.status === 'completed', `the Telnyx call ended ${end.status}`);
      const [simulated] = sim.calls();
      assert(
        simulated.spoken.join() === 'Tea & biscuits at 4',
        `the Telnyx call said ${JSON.stringify(simulated.spoken)}`,
      );
      const body = JSON.stringify(events[0].raw);
      const headers = { 'telnyx-timestamp': '1', 'telnyx-signature-ed25519': 'AA==' };
      assert(
        !telnyx.verifyTelnyxSignature({ publicKey: sim.publicKey, rawBody: body, headers }),
        'a forged Telnyx webhook verified',
      );
      assert(
        telnyx.parseTelnyxWebhook(body)?.callId === call.id,
        'a Telnyx webhook did not read back',
      );
      pass(`placed a Telnyx call with a message, spoken once answered, ended ${end.status}`);
    } finally {
      server.close();
      await sim.close();
    }
  }

  // 6. The SignalWire entry: a call placed on the SignalWire simulator is followed to its end by
  //    callbacks signed with the project's signing key, and a forged one does not verify.
  {
    const credentials = testing.SIGNALWIRE_TEST_CREDENTIALS;
    const sim = await testing.startCallApiSimulator({ flavour: 'signalwire', port: 0, stepMs: 10 });
    const app = express();
    const server = app.listen(0, '127.0.0.1');
    try {
      await once(server, 'listening');
      const statusCallbackUrl = `http://127.0.0.1:${server.address().port}/webhooks/signalwire`;
      const provider = signalwire.createSignalWireClient({
        spaceUrl: sim.url,
        projectId: credentials.projectId,
        apiToken: credentials.apiToken,
        from: '+14155550100',
        statusCallbackUrl,
      });
      const statuses = [];
      const ended = new Promise((resolve) => {
        app.post(
          '/webhooks/signalwire',
          signalwire.createExpressSignalWireWebhookHandler({
            signingKey: credentials.signingKey,
            onEvent: (event) => {
              statuses.push(event.status);
              if (client.isTerminal(event.status)) resolve(event);
            },
          }),
        );
      });
      const call = await provider.placeCall({ to: '+14155552671' });
      const end = await within(ended, 'the SignalWire call');
      assert(end.callId === call.id, `the SignalWire callback named ${end.callId}`);
      assert(end.status === 'completed', `the SignalWire call ended ${end.status}`);
      assert(statuses.includes('answered'), `the SignalWire call went ${statuses.join(' ')}`);
      const params = { CallSid: call.id, CallStatus: 'completed' };
      assert(
        !signalwire.verifySignalWireSignature({
          signingKey: credentials.signingKey,
          url: statusCallbackUrl,
          params,
          signature: 'AAAA',
        }),
        'a forged SignalWire callback verified',
      );
      pass(`placed a SignalWire call, followed by signed callbacks (${statuses.join(' → ')})`);
    } finally {
      server.close();
      await sim.close();
    }
  }

  // 7. The Vonage entry: a call placed on the Vonage simulator with a message is followed to its
  //    end by events signed with the signature secret, and an event signed with another does not
  //    verify.
  {
    const credentials = testing.VONAGE_TEST_CREDENTIALS;
    const sim = await testing.startCallApiSimulator({ flavour: 'vonage', port: 0, stepMs: 10 });
    const app = express();
    const server = app.listen(0, '127.0.0.1');
    try {
      await once(server, 'listening');
      const eventUrl = `http://127.0.0.1:${server.address().port}/webhooks/vonage`;
      const provider = vonage.createVonageClient({
        applicationId: credentials.applicationId,
        privateKey: credentials.privateKey,
        from: '+14155550100',
        eventUrl,
        baseUrl: sim.url,
      });
      const statuses = [];
      const raws = [];
      const ended = new Promise((resolve) => {
        app.post(
          '/webhooks/vonage',
          vonage.createExpressVonageWebhookHandler({
            signatureSecret: credentials.signatureSecret,
            onEvent: (event) => {
              statuses.push(event.status);
              raws.push(event.raw);
              if (client.isTerminal(event.status)) resolve(event);
            },
          }),
        );
      });
      const call = await provider.placeCall({ to: '+14155552671', say: 'Tea & biscuits at 4' });
      const end = await within(ended, 'the Vonage call');
      assert(end.callId === call.id, `the Vonage event named ${end.callId}`);
      assert(end.status === 'completed', `the Vonage call ended ${end.status}`);
      const [simulated] = sim.calls();
      assert(
        simulated.spoken.join() === 'Tea & biscuits at 4',
        `the Vonage call said ${JSON.stringify(simulated.spoken)}`,
      );
      const rawBody = JSON.stringify(raws[0]);
      const forged = testing.signVonageWebhook({ signatureSecret: 'not-it', rawBody });
      assert(
        !vonage.verifyVonageSignature({
          signatureSecret: credentials.signatureSecret,
          authorization: forged.authorization,
          rawBody,
        }).valid,
        'a Vonage event signed with another secret verified',
      );
      pass(
        `placed a Vonage call with a message, followed by signed events (${statuses.join(' → ')})`,
      );
    } finally {
      server.close();
      await sim.close();
    }
  }
}
