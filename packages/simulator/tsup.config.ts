import { packageBuildConfig } from '../../tsup.shared.js';

export default packageBuildConfig({
  entry: {
    index: 'src/index.ts',
    msw: 'src/msw.ts',
    contract: 'src/contract.ts',
    cli: 'src/cli.ts',
  },
  external: ['vitest'],
});
