import { testStore } from '../../testing/store-contract.js';
import { memoryStore } from './memory.js';

testStore({ name: 'memory', create: () => memoryStore() });
