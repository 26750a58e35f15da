import { packageTestConfig } from '../../vitest.shared.js';

/** Unit and route tests run against the packages' sources, so they need no build. */
export default packageTestConfig();
