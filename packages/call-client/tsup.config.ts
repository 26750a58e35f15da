import { packageBuildConfig } from '../../tsup.shared.js';

export default packageBuildConfig({
  entry: {
    index: 'src/index.ts',
    status: 'src/status.ts',
    'twilio/index': 'src/twilio/index.ts',
    'telnyx/index': 'src/telnyx/index.ts',
    'signalwire/index': 'src/signalwire/index.ts',
    'vonage/index': 'src/vonage/index.ts',
    'testing/index': 'src/testing/index.ts',
  },
});
