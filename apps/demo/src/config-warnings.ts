import type { Config } from './config.js';
import { DEFAULT_INBOUND_MESSAGE, listed, REAL_PROVIDERS } from './_config-providers.js';

const LOCAL_HOSTS = /^(localhost|127\.[\d.]+|\[::1\]|0\.0\.0\.0)$/;

/**
 * What a valid configuration may still get wrong, one line each, for the server to log at start:
 * with a real provider's own API, a `PUBLIC_URL` on this machine cannot receive its webhooks; a provider's credentials set while `CALL_PROVIDER` names another are not used.
 */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  const provider = config.CALL_PROVIDER;
  if (provider !== 'mock' && config.PUBLIC_URL) {
    const { label, apiUrl, apiHost, webhooks } = REAL_PROVIDERS[provider];
    const publicHost = new URL(config.PUBLIC_URL).hostname;
    const api = config[apiUrl];
    if (LOCAL_HOSTS.test(publicHost) && api !== undefined && apiHost.test(new URL(api).hostname)) {
      warnings.push(
        `PUBLIC_URL is ${config.PUBLIC_URL}, which ${label} cannot reach: calls will be placed but ` +
          `their ${webhooks} will not arrive; ` +
          'expose the server through an HTTPS tunnel and set PUBLIC_URL to its address',
      );
    }
  }
  if (provider === 'mock') {
    const given = (['INBOUND_FORWARD_TO', 'INBOUND_REJECT'] as const).filter(
      (key) => config[key] !== undefined,
    );
    if (config.INBOUND_MESSAGE !== DEFAULT_INBOUND_MESSAGE)
      given.unshift('INBOUND_MESSAGE' as never);
    if (given.length > 0) {
      warnings.push(
        `${given.join(', ')} ${given.length === 1 ? 'is' : 'are'} set but CALL_PROVIDER is mock, ` +
          `whose Call APIs never call the app: inbound calls are answered with CALL_PROVIDER=${listed(Object.keys(REAL_PROVIDERS))}`,
      );
    }
  }
  for (const [name, { label, credentials }] of Object.entries(REAL_PROVIDERS)) {
    if (name === provider) continue;
    const given = credentials.filter((key) => config[key] !== undefined);
    if (given.length === 0) continue;
    const where =
      provider === 'mock'
        ? 'calls go to the simulators'
        : `calls go through ${REAL_PROVIDERS[provider].label}`;
    warnings.push(
      `${given.join(', ')} ${given.length === 1 ? 'is' : 'are'} set but CALL_PROVIDER is ${provider}: ` +
        `${where}; set CALL_PROVIDER=${name} to place them through ${label}`,
    );
  }
  return warnings;
}
