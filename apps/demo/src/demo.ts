import { demoConfig, demoInbound, demoProvider, startDemoSimulators } from './demo-launcher.js';
import { announcer } from './logger.js';
import { main } from './server.js';

/**
 * `pnpm demo`: the simulators, then the server on `PORT` (4000), with demo history unless
 * `DEMO_HISTORY=0`. By default both mock flavours, on the ports of `CALL_API_URL` (5000) and
 * `DIALER_API_URL` (4830); with `pnpm demo -- --provider twilio` (or `DEMO_PROVIDER=twilio`)
 * Twilio's, on the port of `TWILIO_API_URL` (5010), and with `--provider telnyx` Telnyx's, on the
 * port of `TELNYX_API_URL` (5020), with `--provider signalwire` SignalWire's, on the port of
 * `SIGNALWIRE_SPACE_URL` (5030), and with `--provider vonage` Vonage's, on the port of
 * `VONAGE_API_URL` (5040), and the server places every call through it. A port already taken
 * stops it with a line naming the variable to change. Each real provider's simulator also rings
 * the app's number (`CALLER_ID`) about every `DEMO_INBOUND_EVERY_S` seconds (20). With
 * `DEMO_SCENARIO=predictive`, the practice simulators are `ringkit-sim --scenario predictive`'s.
 * Every line it prints once started is a JSON log line, the simulators' addresses and its own
 * among them; a start that fails prints one plain line, the reason, and exits with code 1.
 */
try {
  const config = demoConfig(demoProvider(process.argv.slice(2), process.env), process.env);
  const simulators = await startDemoSimulators(config);
  try {
    const server = await main(config, {}, simulators.close);
    const log = announcer(server.logger);
    for (const { name, url } of simulators.simulators) {
      const label = name.trim();
      log.info({ simulator: label, url }, `${label} on ${url}`);
    }
    const { scenario } = simulators;
    if (scenario) {
      // The seed as a number: a run of digits in text would be masked as a phone number.
      log.info(
        { scenario: scenario.name, seed: Number(scenario.seed) },
        `the simulators play ringkit-sim --scenario ${scenario.name}; SIM_SEED=<seed> replays the run`,
      );
    }
    const inbound = demoInbound(config);
    const ringer = simulators.simulators[0];
    if (inbound && ringer) {
      const often = inbound.everyMs ? `about every ${inbound.everyMs / 1000} s` : 'when asked';
      log.info(
        { to: inbound.to, everyMs: inbound.everyMs ?? null, ring: `${ringer.url}/_sim/inbound` },
        `inbound calls ring the app's number ${often}; curl -X POST ${ringer.url}/_sim/inbound rings one now`,
      );
    }
    log.info({ url: server.url }, `ringkit demo ready: open ${server.url}`);
  } catch (error) {
    await simulators.close();
    throw error;
  }
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
