import { testStore } from '../../testing/store-contract.js';
import { createMemoryStore } from './memory.js';

testStore({ name: 'memory', create: () => createMemoryStore() });
