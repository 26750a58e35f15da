import { packageBuildConfig } from '../../tsup.shared.js';

export default packageBuildConfig({
  entry: {
    index: 'src/index.ts',
    status: 'src/status.ts',
    'twilio/index': 'src/twilio/index.ts',
    'testing/index': 'src/testing/index.ts',
  },
});
