import { setDefaultApi } from './api.js';

// Runs before the elements are defined (imported first by embed.ts): elements already on the
// page are upgraded as soon as they are defined, and must see the default API at once.
const script = document.currentScript;
if (script instanceof HTMLScriptElement && script.src) setDefaultApi(new URL(script.src).origin);
